# sysmaster build. `make` builds the two binaries into ./bin: init (PID 1, small and alone) and sysmaster, the
# image of everything else (the core, the executor, the built-in plugins, sctl and the other commands, each run by
# the name of a link to it: cmd/sysmaster). `make install DESTDIR=… PREFIX=/usr` installs them and the links.
GO        ?= go
PREFIX    ?= /usr
DESTDIR   ?=
SYSCONFDIR ?= /etc
LIBDIR    := $(PREFIX)/lib/sysmaster
PLUGINS   := $(notdir $(wildcard plugins/*))
PROTOS    := $(wildcard sdk/proto/sysmaster/*/v1/*.proto)
# Static binaries: PID 1 and the core must run before any library is mounted, in an initramfs or a container.
export CGO_ENABLED ?= 0
# Installed binaries carry no symbol table or DWARF (a third of their size) and no build paths; the Go runtime's
# own tables stay, so panics still print file:line. `make LDFLAGS=` keeps the symbols, for perf and debuggers.
LDFLAGS   ?= -s -w
# grpcnotrace leaves out grpc-go's request tracing (golang.org/x/net/trace, its HTML pages and their templates),
# which nothing here turns on: 0.3 MB of the image and an initialiser every process of it ran.
BUILDFLAGS := -trimpath -tags grpcnotrace -ldflags='$(LDFLAGS)'

.PHONY: all build install test fuzz generate lint clean demo

all: build

build:
	@mkdir -p bin
	$(GO) build $(BUILDFLAGS) -o bin/ ./cmd/init ./cmd/sysmaster ./cmd/sysmaster-executor

install: build
	install -d $(DESTDIR)$(LIBDIR)/plugins $(DESTDIR)$(LIBDIR)/profiles $(DESTDIR)$(LIBDIR)/system $(DESTDIR)$(LIBDIR)/system-generators $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(SYSCONFDIR)/sysmaster/system
	install -m 0755 bin/init bin/sysmaster bin/sysmaster-executor $(DESTDIR)$(LIBDIR)/
	for c in udevd random-seed update-utmp initctl; do ln -sf sysmaster $(DESTDIR)$(LIBDIR)/$$c; done
	ln -sf ../sysmaster $(DESTDIR)$(LIBDIR)/system-generators/sysmaster-fstab-generator
	for p in $(PLUGINS); do ln -sf ../sysmaster $(DESTDIR)$(LIBDIR)/plugins/$$p; done
	for c in sctl devctl; do ln -sf ../lib/sysmaster/sysmaster $(DESTDIR)$(PREFIX)/bin/$$c; done
	ln -sf ../lib/sysmaster/sysmaster $(DESTDIR)$(PREFIX)/sbin/sysmaster-migrate
	for l in poweroff reboot halt; do ln -sf sctl $(DESTDIR)$(PREFIX)/bin/$$l; done
	cp -a units/. $(DESTDIR)$(LIBDIR)/system/
	install -D -m 0644 config/udev/99-sysmaster.rules $(DESTDIR)$(PREFIX)/lib/udev/rules.d/99-sysmaster.rules
	install -m 0644 config/profiles/*.conf $(DESTDIR)$(LIBDIR)/profiles/
	test -e $(DESTDIR)$(SYSCONFDIR)/sysmaster/system.conf || install -m 0644 config/system.conf $(DESTDIR)$(SYSCONFDIR)/sysmaster/system.conf

# Runs every test (as root: the tests use namespaces, cgroups and qemu), then a short run of every fuzz target.
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) --no-print-directory fuzz

# Each Fuzz* target for FUZZTIME executions (a count, not a duration: a deadline can expire while the engine
# replays its cached corpus on a busy machine, which is no finding).
FUZZTIME ?= 50000x
fuzz:
	@set -e; for file in $$(grep -rl --include='*_test.go' '^func Fuzz' .); do \
	  for f in $$(grep -o '^func Fuzz[A-Za-z0-9_]*' $$file | cut -d' ' -f2); do \
	    echo "fuzz $$(dirname $$file) $$f ($(FUZZTIME))"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) ./$$(dirname $$file) >/tmp/fuzz.$$$$.log 2>&1 || { cat /tmp/fuzz.$$$$.log; exit 1; }; \
	  done; \
	done; rm -f /tmp/fuzz.$$$$.log

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'))" || { gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet ./...
	staticcheck ./...

generate:
	protoc --go_out=. --go_opt=module=github.com/sysmaster/sysmaster \
	       --go-grpc_out=. --go-grpc_opt=module=github.com/sysmaster/sysmaster $(PROTOS)

demo: build
	./scripts/demo.sh

clean:
	rm -rf bin
