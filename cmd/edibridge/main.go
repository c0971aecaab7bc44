// Command edibridge translates between UN/EDIFACT (EANCOM) and the Procuros API v2.
//
// Usage:
//
//	edibridge <command> [flags] [arguments]
//
// Run "edibridge help" for the list of commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// env is what a command may touch of the outside world, so that tests can run
// commands in-process with their own streams and environment.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

// command is one subcommand of the binary.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) error
}

// commands lists the subcommands. Each lives in a file of its own.
func commands() []command {
	cmds := []command{
		{"validate", "check EDIFACT files: syntax, envelopes, and what the mapping makes of them", runValidate},
		{"translate", "map an EDIFACT file to Procuros transactions, or transactions to EDIFACT", runTranslate},
		{"sandbox", "run the built-in fake Procuros API", runSandbox},
		{"config", "check a configuration file: every problem, with file, line and field", runConfig},
		{"serve", "run the bridge on a configuration file", runServe},
		{"messages", "list, show and retry what the journal holds", runMessages},
		{"ping", "check that the Procuros API takes the configured token", runPing},
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	return cmds
}

// exitError carries an exit status other than 1 (usage errors exit 2) or a
// failure that has already been reported (message empty).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// usageError reports a command-line mistake (exit status 2).
func usageError(format string, args ...any) error {
	return &exitError{code: 2, msg: fmt.Sprintf(format, args...)}
}

// silentFailure is returned by a command that has already printed its
// findings and only needs to exit with status 1.
var errSilentFailure = &exitError{code: 1}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv}
	os.Exit(run(ctx, e, os.Args[1:]))
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(e.stdout)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, e, args[1:])
		return exitStatus(e, c.name, err)
	}
	fmt.Fprintf(e.stderr, "edibridge: unknown command %q (see \"edibridge help\")\n", args[0])
	return 2
}

func exitStatus(e *env, name string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.msg != "" {
			fmt.Fprintf(e.stderr, "edibridge %s: %s\n", name, ee.msg)
		}
		return ee.code
	}
	fmt.Fprintf(e.stderr, "edibridge %s: %v\n", name, err)
	return 1
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "edibridge: a bridge between UN/EDIFACT (EANCOM) partners and the Procuros API v2")
	fmt.Fprintln(w, "\nUsage: edibridge <command> [flags] [arguments]\n\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun \"edibridge <command> -h\" for the flags of a command.")
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(e *env, name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("edibridge "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "Usage: edibridge %s %s\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and turns a flag error into a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &exitError{code: 2} // the flag package has printed the problem
	}
	return nil
}
