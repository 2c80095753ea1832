// @grafana/schema declares many fields as TypeScript enums. A numeric enum
// accepts a matching number literal (TS >= 5.0 rejects numbers that are not
// members), but a *string* enum such as ThresholdsMode or FieldColorModeId
// accepts no string literal at all, so JSON could never type-check against it.
// Lit<T> rewrites T recursively, replacing every string (enum) type with its
// template-literal form: `${ThresholdsMode}` is "absolute" | "percentage",
// and `${string}` is just string. Homomorphic mapping keeps optional fields,
// arrays and unions, so excess-property checks still apply to the result.
export type Lit<T> =
  T extends string ? `${T}` :
  T extends number | boolean | bigint | symbol | null | undefined ? T :
  T extends (...args: never[]) => unknown ? T :
  T extends object ? LitObject<T> :
  T;

// A named alias (rather than an inline mapped type) so tsc errors say
// "LitObject<Dashboard>" instead of printing the whole expanded type.
export type LitObject<T> = { [K in keyof T]: Lit<T[K]> };
