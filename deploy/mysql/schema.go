// Package mysqlschema embeds the reference schema's DDL and the
// read-only GRANTs, for tools that create the reference databases.
package mysqlschema

import _ "embed"

// PSA is the DDL of the reference PSA database.
//
//go:embed psa.sql
var PSA string

// Billing is the DDL of the reference billing database.
//
//go:embed billing.sql
var Billing string

// Grants creates the read-only account (password change-me).
//
//go:embed grants.sql
var Grants string
