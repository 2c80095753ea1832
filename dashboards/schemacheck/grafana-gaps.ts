// Fields that Grafana itself saves and the foundation SDK (v0.0.18) emits, but
// that @grafana/schema 12.3.3's generated types lack. Without these every
// SDK-built dashboard with a variable would be rejected (the SDK writes
// auto/auto_min/auto_count on all variables), as would .Definition() or
// .FieldMinMax(). Keep this list short and SDK-backed; delete an entry once
// @grafana/schema declares the field.
import '@grafana/schema';

declare module '@grafana/schema/dist/types/raw/dashboard/x/dashboard_types.gen.d.ts' {
  interface VariableModel {
    definition?: string; // query/custom/... variables: the query shown in the UI
    auto?: boolean; // meaningful for interval variables; SDK always emits
    auto_min?: string;
    auto_count?: number;
  }
  interface FieldConfig {
    fieldMinMax?: boolean; // PanelBuilder.FieldMinMax()
  }
}
