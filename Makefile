# edibridge: the two set-up commands are `make run` and `make test`.

GO        ?= go
BIN       := bin/edibridge
FUZZTIME  ?= 60s
BENCH     ?= .
BENCHTIME ?= 1s

# Fuzz targets, as package:Target.
FUZZ_TARGETS ?= ./edifact:FuzzReader ./edifact:FuzzRoundTrip ./mapping:FuzzTranslate \
	./transport/as2:FuzzUnpack ./transport/as2:FuzzReadMDN \
	./transport/as2/cms:FuzzDecrypt ./transport/as2/cms:FuzzDecompress \
	./transport/as2/cms:FuzzVerify ./transport/as2/cms:FuzzBER

.PHONY: all build run test lint bench fuzz corpus clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/edibridge

# The bridge on the first-run configuration: the built-in Procuros sandbox
# and a demo partner on loopback (AS2, SFTP, a folder); keys are generated
# into data/ on the first start.
run: build
	$(BIN) serve --config configs/example.yaml

# The AS2 interop matrix runs some 400 exchanges with the openssl and
# libas2 peers (about three minutes on two cores), beyond go test's
# default ten-minute limit on a slow machine.
test: lint
	$(GO) test -race -timeout 30m ./...

lint:
	@files=$$(gofmt -l $$(find . -name '*.go' -not -path './.git/*')); \
	if [ -n "$$files" ]; then echo "gofmt would change:"; echo "$$files"; exit 1; fi
	$(GO) vet ./...

# Benchmarks on one core, as the README reports them.
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchtime $(BENCHTIME) -benchmem -cpu 1 ./...

# Each fuzz target for FUZZTIME; a crasher lands in testdata/fuzz and
# becomes a regression seed once committed. Minimising is bounded, so that
# a crash found late is not reported as a pass when FUZZTIME runs out.
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 10s $$pkg || exit 1; \
	done

# The shared corpus of third-party interchanges (../shared/fixtures/edi):
# what the reader finds in each file, against the check column of its
# SOURCES.md, how each message fits its segment-group structure, and what
# the mapping makes of each ORDERS, DESADV and INVOIC (and why not).
corpus:
	$(GO) test -count=1 -run '^TestCorpus$$' -v ./edifact ./mapping/... | grep -E '^\s+corpus_test.go|^(ok|FAIL|---)' 

clean:
	rm -rf bin
