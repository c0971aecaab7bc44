// Package config reads edibridge's YAML configuration: the data directory,
// the Procuros connection, the listeners, our AS2 identity and the
// partners with their identifiers, transports and EDIFACT options.
//
// Load reads a file, applies the environment overrides, fills in the
// defaults, resolves paths and validates everything, reporting every
// problem at once, each with the file, line and column of the field it is
// about (Problem). configs/README.md documents every field.
//
// Paths in the file are relative to the file's folder, except those that
// start with ${dataDir}, which stands for the data directory. In a Config
// every path is absolute.
//
// Secrets (the Procuros token, password hashes, passwords) are held in
// types that print as "[redacted]" whatever the verb or encoder, and no
// problem message repeats a secret value.
package config
