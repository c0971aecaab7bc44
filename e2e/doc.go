// Package e2e holds the end-to-end tests and the benchmark of edibridge
// through its real binary: TestMain builds cmd/edibridge once, each test
// starts the fake Procuros API as its own process (`edibridge sandbox`)
// and the bridge on a generated configuration (`edibridge serve`), talks
// to it as partners do (the openssl AS2 peer, the OpenSSH sftp client,
// files in a folder), and checks what arrived in the sandbox, in the
// partners' outboxes and in the journal (`edibridge messages`).
//
// The package has no code of its own: everything is in its tests.
package e2e
