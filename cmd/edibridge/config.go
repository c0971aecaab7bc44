package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/edibridge/edibridge/config"
)

// runConfig runs the configuration subcommands; there is one, check.
func runConfig(_ context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.stderr, "Usage: edibridge config check [--skip-files] FILE")
		if len(args) == 0 {
			return &exitError{code: 2}
		}
		return flag.ErrHelp
	}
	if args[0] != "check" {
		return usageError("unknown subcommand %q (there is: check)", args[0])
	}
	return runConfigCheck(e, args[1:])
}

// runConfigCheck checks a configuration file as `edibridge serve` would
// at start, without starting: one line per problem on standard error,
// file:line:col: field: message, and exit status 1; or a one-line summary
// on standard output. Warnings are printed either way.
func runConfigCheck(e *env, args []string) error {
	fs := newFlagSet(e, "config check", "[--skip-files] FILE")
	skipFiles := fs.Bool("skip-files", false, "do not check the files and folders the configuration names (for a configuration checked away from its machine)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageError("give one configuration file")
	}
	path := fs.Arg(0)
	c, problems := checkConfig(path, e.getenv, *skipFiles)
	for _, p := range problems {
		fmt.Fprintln(e.stderr, p.Error())
	}
	if c != nil {
		for _, w := range c.Warnings() {
			fmt.Fprintln(e.stderr, w.Error())
		}
	}
	if len(problems) > 0 {
		return errSilentFailure
	}
	_, err := fmt.Fprintf(e.stdout, "%s: ok: %s\n", path, c.Summary())
	return err
}

// checkConfig loads the configuration and, unless skipFiles, checks its
// files. The config comes back with the problems when there is one to
// take warnings from.
func checkConfig(path string, getenv func(string) string, skipFiles bool) (*config.Config, config.Problems) {
	if !skipFiles {
		return config.Check(path, getenv)
	}
	c, err := config.Load(path, getenv)
	var problems config.Problems
	if errors.As(err, &problems) {
		return nil, problems
	}
	if err != nil {
		return nil, config.Problems{{File: path, Msg: err.Error()}}
	}
	return c, nil
}
