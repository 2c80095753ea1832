// Fields that Grafana itself saves and the foundation SDK (v0.0.22) emits, but
// that @grafana/schema's types for the classic dashboard model lack (13.2.3
// still lacks them all; only its v2 dashboard types have auto/auto_min/
// auto_count). Without these every SDK-built dashboard with a variable would
// be rejected (the SDK writes auto/auto_min/auto_count on all variables), as
// would .Definition() or .FieldMinMax(). Keep this list short and SDK-backed;
// delete an entry once @grafana/schema declares the field.
import '@grafana/schema';

// The package's exports map names the raw dashboard types by this path; the
// Dashboard, VariableModel and FieldConfig it exports extend these interfaces.
declare module '@grafana/schema/dist/esm/raw/dashboard/x/Dashboard_types.gen' {
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
