# SPDX-License-Identifier: GPL-2.0-or-later
# Sole build entry. Targets: all check check-unit check-integration check-asan lint fmt man install
# uninstall demo bench clean. Required flags live in override CFLAGS so a user's CFLAGS cannot drop
# -Werror (conmon's Makefile lost it that way).

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
LIBEXECDIR ?= $(PREFIX)/libexec/rootless-cni-infra
DATADIR ?= $(PREFIX)/share/rootless-cni-infra
MANDIR ?= $(PREFIX)/share/man
# Where bash-completion looks for a command's completion ($XDG_DATA_DIRS/bash-completion/...,
# /usr/local/share and /usr/share by default).
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
# oci-hooks(5) entries for podman, CRI-O and the rest of containers/common (the launcher's
# `oci-hook`): the system-wide hooks dir of that PREFIX (not DATADIR, which is the project's own).
HOOKSDIR ?= $(PREFIX)/share/containers/oci/hooks.d
DESTDIR ?=

BUILD ?= build
CC ?= cc
CFLAGS ?= -O2 -g
PKG_CONFIG ?= pkg-config
GO_MD2MAN ?= go-md2man

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

ifeq ($(SANITIZE),1)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
	$(if $(FUZZ),-fsanitize=fuzzer-no-link)
override CFLAGS := -O1 -g
FORTIFY :=
else
SAN_FLAGS :=
FORTIFY := -D_FORTIFY_SOURCE=2
endif

override CFLAGS += -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wformat=2 -Wno-format-nonliteral \
	$(FORTIFY) -fstack-protector-strong -fPIE -MMD -MP \
	-Ihelper/lib -Ihelper/cni -Ihelper -Iinfra \
	$(shell $(PKG_CONFIG) --cflags json-c libcap libarchive nettle) \
	-DRCI_VERSION='"$(VERSION)"' -DRCI_COMMIT='"$(COMMIT)"' \
	-DRCI_DATADIR='"$(DATADIR)"' -DRCI_LIBEXECDIR='"$(LIBEXECDIR)"' $(SAN_FLAGS)
override LDFLAGS += -pie $(SAN_FLAGS)
LIBS := $(shell $(PKG_CONFIG) --libs json-c libcap)
# Only the launcher (and what links its library: unit tests, fuzz targets) reads image layers
# with libarchive and hashes blobs with nettle; the helper and the init, which the image carries,
# use neither. libarchive is not linked but dlopen()ed by that soname when a layer is read
# (infra/image_libarchive.h): linked, its 13 libraries would load on every launcher command.
LIBARCHIVE_SONAME ?= $(or $(shell objdump -p \
	"$$($(PKG_CONFIG) --variable=libdir libarchive)/libarchive.so" 2>/dev/null | \
	sed -n 's/^ *SONAME *//p'),libarchive.so.13)
LAUNCHER_LIBS := $(shell $(PKG_CONFIG) --libs nettle) $(LIBS)
# The unit tests' fixtures write archives with libarchive itself.
UNIT_LIBS := $(shell $(PKG_CONFIG) --libs libarchive)
$(BUILD)/infra/image_libarchive.o: override CFLAGS += -DLR_LIBARCHIVE_SONAME='"$(LIBARCHIVE_SONAME)"'

# Everything but the two mains is library code that unit tests can link. The test points
# (helper/lib/testpoint.c) exist in the test build only (see TEST_PROGRAMS).
TESTPOINT_SRC := helper/lib/testpoint.c
LIB_SRCS := $(filter-out $(TESTPOINT_SRC),$(wildcard helper/lib/*.c)) $(wildcard helper/cni/*.c) \
	$(filter-out helper/main.c,$(wildcard helper/*.c)) $(wildcard helper/dns/dns_*.c) \
	$(wildcard helper/ipam/ipam_*.c)
# The forwarder's modules are launcher library code too: its client shares the protocol.
FORWARDER_LIB_SRCS := $(filter-out infra/forwarder/main.c,$(wildcard infra/forwarder/*.c))
LAUNCHER_LIB_SRCS := $(filter-out infra/main.c,$(wildcard infra/*.c)) $(FORWARDER_LIB_SRCS)
INIT_SRCS := $(wildcard infra/init/*.c)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_SECONDS ?= 60
PLUGIN_SRCS := $(wildcard tests/plugins/*.c)
BENCH_SRCS := $(wildcard tests/bench/*.c)
TOOL_SRCS := $(wildcard tests/tools/*.c)

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

LIBRCI := $(BUILD)/librci.a
LIBLAUNCHER := $(BUILD)/liblauncher.a
HELPER := $(BUILD)/rootless-cni-infra
LAUNCHER := $(BUILD)/rootless-cni-launcher
INIT := $(BUILD)/rootless-cni-infra-init
FORWARDER := $(BUILD)/rootless-cni-forwarder
# Our CNI plugins, in a directory of their own that a CNI_PATH can name (issue 12).
DNS_PLUGIN := $(BUILD)/cni/rootless-cni-dns
IPAM_PLUGIN := $(BUILD)/cni/rootless-cni-ipam
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
PLUGIN_BINS := $(patsubst tests/plugins/%.c,$(BUILD)/tests/plugins/%,$(PLUGIN_SRCS))
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
BENCH_BINS := $(patsubst tests/bench/%.c,$(BUILD)/tests/bench/%,$(BENCH_SRCS))
TOOL_BINS := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(TOOL_SRCS))

PROGRAMS := $(HELPER) $(if $(wildcard infra/main.c),$(LAUNCHER)) $(if $(INIT_SRCS),$(INIT)) \
	$(if $(wildcard infra/forwarder/main.c),$(FORWARDER)) $(DNS_PLUGIN) $(IPAM_PLUGIN)

# The test build of the programs, in $(BUILD)/test/ (the launcher finds the helper, the init and
# the forwarder beside itself): the same code with the crash points of helper/lib/testpoint.h compiled in
# (-DRCI_TESTPOINTS), which the crash-consistency suites drive with RCI_TEST_CRASH_AT. Only the
# sources that include testpoint.h are compiled twice. Release objects have no test point, and
# the release programs ignore RCI_TEST_CRASH_AT.
TEST_BUILD := $(BUILD)/test
TESTPOINT_USERS := $(shell grep -l '"testpoint\.h"' helper/*.c helper/cni/*.c infra/*.c \
	infra/init/*.c 2>/dev/null)
test_variant = $(foreach f,$(1),$(if $(filter $(f),$(TESTPOINT_USERS)),$(TEST_BUILD)/$(f:.c=.o),$(call obj,$(f))))
TEST_LIBRCI := $(TEST_BUILD)/librci.a
TEST_LIBLAUNCHER := $(TEST_BUILD)/liblauncher.a
TEST_PROGRAMS := $(TEST_BUILD)/rootless-cni-infra \
	$(if $(wildcard infra/main.c),$(TEST_BUILD)/rootless-cni-launcher) \
	$(if $(INIT_SRCS),$(TEST_BUILD)/rootless-cni-infra-init) \
	$(if $(wildcard infra/forwarder/main.c),$(TEST_BUILD)/rootless-cni-forwarder)
# Man pages from the Markdown beside each program (STYLE.md section 10). The title line's empty
# date and bare "rootless-cni-infra" become the last commit's date and the version.
MAN_SRCS := helper/rootless-cni-infra.1.md infra/rootless-cni-launcher.1.md
MAN_PAGES := $(patsubst %.1.md,$(BUILD)/man/%.1,$(notdir $(MAN_SRCS)))
MAN_DATE := $(shell git log -1 --format=%cs 2>/dev/null)
vpath %.1.md helper infra
# One completion file serves both programs (infra/completion.bash), copied into the build with
# what else gets installed (the suites source it there); the helper's is a symlink to it.
COMPLETION := $(BUILD)/completion/rootless-cni-launcher
# The infra as an OCI image (image/build.sh): layout $(IMAGE_DIR)/oci, archive $(IMAGE).
IMAGE_DIR := $(BUILD)/image
IMAGE := $(IMAGE_DIR)/rootless-cni-infra.tar

.PHONY: all man check check-unit check-install check-integration check-asan lint fmt install \
	uninstall demo \
	image bench clean test-bins fuzz fuzz-bins fuzz-replay stress crash

# Keep objects make considers intermediate (fuzz and test objects), so nothing rebuilds twice.
.SECONDARY:

all: $(PROGRAMS) $(MAN_PAGES) $(COMPLETION)

man: $(MAN_PAGES)

$(COMPLETION): infra/completion.bash
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/man/%.1: %.1.md VERSION
	@mkdir -p $(dir $@)
	sed '1s/ "" "rootless-cni-infra" / "$(MAN_DATE)" "rootless-cni-infra $(VERSION)" /' $< | \
		$(GO_MD2MAN) -out $@.tmp
	mv $@.tmp $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(TEST_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DRCI_TESTPOINTS -c -o $@ $<

$(LIBRCI): $(call obj,$(LIB_SRCS))
	@rm -f $@
	$(AR) rcs $@ $^

$(LIBLAUNCHER): $(call obj,$(LAUNCHER_LIB_SRCS)) | $(LIBRCI)
	@rm -f $@
	$(AR) rcs $@ $^

$(HELPER): $(BUILD)/helper/main.o $(LIBRCI)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Static: it runs on every ADD and DEL, and on a VM loading a shared libc alone costs about as
# much as the plugin's work (make bench). Sanitizer builds cannot link statically.
$(DNS_PLUGIN): $(BUILD)/helper/dns/main.o $(LIBRCI)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(if $(SAN_FLAGS),,-static-pie) -o $@ $^ \
		$(shell $(PKG_CONFIG) $(if $(SAN_FLAGS),,--static) --libs json-c)

# The shipped networks' IPAM (helper/ipam/main.c): static for the same reason.
$(IPAM_PLUGIN): $(BUILD)/helper/ipam/main.o $(LIBRCI)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(if $(SAN_FLAGS),,-static-pie) -o $@ $^ \
		$(shell $(PKG_CONFIG) $(if $(SAN_FLAGS),,--static) --libs json-c)

$(LAUNCHER): $(BUILD)/infra/main.o $(LIBLAUNCHER) $(LIBRCI)
	$(CC) $(LDFLAGS) -o $@ $^ $(LAUNCHER_LIBS)

$(FORWARDER): $(BUILD)/infra/forwarder/main.o $(LIBLAUNCHER) $(LIBRCI)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Test tools that drive the programs through their libraries (fwdctl: the forwarder's client).
$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(LIBLAUNCHER) $(LIBRCI)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The infra init is static where possible: it must run from any rootfs.
$(INIT): $(call obj,$(INIT_SRCS)) $(LIBRCI)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(TEST_LIBRCI): $(call test_variant,$(LIB_SRCS)) $(TEST_BUILD)/$(TESTPOINT_SRC:.c=.o)
	@rm -f $@
	$(AR) rcs $@ $^

$(TEST_LIBLAUNCHER): $(call test_variant,$(LAUNCHER_LIB_SRCS)) | $(TEST_LIBRCI)
	@rm -f $@
	$(AR) rcs $@ $^

$(TEST_BUILD)/rootless-cni-infra: $(call test_variant,helper/main.c) $(TEST_LIBRCI)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(TEST_BUILD)/rootless-cni-launcher: $(call test_variant,infra/main.c) $(TEST_LIBLAUNCHER) \
	$(TEST_LIBRCI)
	$(CC) $(LDFLAGS) -o $@ $^ $(LAUNCHER_LIBS)

$(TEST_BUILD)/rootless-cni-infra-init: $(call test_variant,$(INIT_SRCS)) $(TEST_LIBRCI)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# The test launcher starts the forwarder beside it, like the release one.
$(TEST_BUILD)/rootless-cni-forwarder: $(call test_variant,infra/forwarder/main.c) \
	$(TEST_LIBLAUNCHER) $(TEST_LIBRCI)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(if $(LAUNCHER_LIB_SRCS),$(LIBLAUNCHER)) $(LIBRCI)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LAUNCHER_LIBS) -lcmocka $(UNIT_LIBS)

# Fake CNI plugins: no sanitizer runtime, so they behave the same in every build. A plugin's
# own folder (tests/plugins/<name minus -plugin>/) holds the rest of its sources.
$(BUILD)/tests/plugins/fake-plugin: $(wildcard tests/plugins/fake/*.c tests/plugins/fake/*.h)
$(BUILD)/tests/plugins/%: tests/plugins/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror $(shell $(PKG_CONFIG) --cflags json-c) \
		-o $@ $(filter %.c,$^) $(shell $(PKG_CONFIG) --libs json-c)

# Benchmark tools (scripts/bench.sh): like the fake plugins, never instrumented.
$(BUILD)/tests/bench/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror $(shell $(PKG_CONFIG) --cflags json-c) \
		-o $@ $< $(shell $(PKG_CONFIG) --libs json-c)

# Fuzz targets: with FUZZ=1 (clang) real libFuzzer binaries; otherwise corpus replayers that
# `make check` runs over tests/fuzz/corpus/<target>/ (seeds and every crash found, as regressions).
ifeq ($(FUZZ),1)
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(LIBLAUNCHER) $(LIBRCI)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $^ $(LAUNCHER_LIBS)
else
$(BUILD)/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o $(BUILD)/tests/fuzz/replay_main.o $(LIBLAUNCHER) \
	$(LIBRCI)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LAUNCHER_LIBS)
endif

fuzz-bins: $(FUZZ_BINS)

fuzz-replay: $(FUZZ_BINS)
	@for b in $(FUZZ_BINS); do t=$${b##*/fuzz_}; \
		echo "# replay $$t"; $$b tests/fuzz/corpus/$$t/* || exit 1; done

# Each target runs FUZZ_SECONDS (default 60; issue 6 asks for 600) on a copy of its corpus.
fuzz:
	$(MAKE) BUILD=build-fuzz CC=clang SANITIZE=1 FUZZ=1 fuzz-bins
	@for b in $(patsubst $(BUILD)/%,build-fuzz/%,$(FUZZ_BINS)); do t=$${b##*/fuzz_}; \
		mkdir -p build-fuzz/corpus/$$t && cp -n tests/fuzz/corpus/$$t/* build-fuzz/corpus/$$t/; \
		echo "# fuzz $$t for $(FUZZ_SECONDS)s"; \
		$$b -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -artifact_prefix=build-fuzz/crash-$$t- \
			build-fuzz/corpus/$$t 2>&1 | grep -E '^#[0-9]+ *DONE|^Done|ERROR|SUMMARY' || exit 1; \
	done

test-bins: $(PROGRAMS) $(MAN_PAGES) $(COMPLETION) $(TEST_PROGRAMS) $(UNIT_BINS) $(PLUGIN_BINS) \
	$(FUZZ_BINS) $(BENCH_BINS) $(TOOL_BINS)

check-unit: test-bins
	BUILD=$(abspath $(BUILD)) tests/run-unit.sh $(UNIT_BINS)
	$(MAKE) fuzz-replay

$(IMAGE): $(HELPER) $(INIT) $(DNS_PLUGIN) $(IPAM_PLUGIN) image/build.sh image/rootfs.sh $(wildcard image/net.d/*) \
	VERSION
	image/build.sh $(BUILD) $(IMAGE_DIR)

image: $(IMAGE)

# The launcher suite runs once more with --image (issue 5), in the plain build only: under ASan
# the image suite (40-image) already runs the launcher's unpacking, and time is counted.
check-integration: test-bins $(IMAGE)
	BUILD=$(abspath $(BUILD)) tests/run-integration.sh
	$(if $(filter 1,$(SANITIZE)),,BUILD=$(abspath $(BUILD)) RCI_TEST_IMAGE=1 \
		tests/run-integration.sh tests/integration/20-launcher.bats)

# The long runs of issue 6's hardening suites (make check runs them bounded): the storm with
# 8 workers x 200 operations through the launcher, 120 crash trials.
stress: test-bins
	BUILD=$(abspath $(BUILD)) RCI_STRESS_STORM_OPS=200 RCI_TEST_TIMEOUT=3600 \
		tests/run-integration.sh tests/integration/51-storm.bats

crash: test-bins
	BUILD=$(abspath $(BUILD)) RCI_STRESS_CRASH_TRIALS=120 RCI_TEST_TIMEOUT=3600 \
		tests/run-integration.sh tests/integration/52-crash.bats

# What `make install` gives a user: files in place, man pages that render, completion found.
check-install: all
	tests/install-check.sh $(abspath $(BUILD))

# `make check` is what CI and the README run: unit + integration, then the same under ASan/UBSan.
check: lint check-unit check-install check-integration
	$(MAKE) check-asan

check-asan:
	$(MAKE) BUILD=build-asan SANITIZE=1 check-unit check-integration

# Besides formatting and shellcheck: no dup() in the helper, whose fds must all be close-on-exec
# from birth (STYLE.md section 4): fcntl(fd, F_DUPFD_CLOEXEC, 0) instead.
lint:
	git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror
	git ls-files '*.sh' '*.bash' '*.bats' .ci/run | xargs -r shellcheck -x
	@! git grep -nE '(^|[^_[:alnum:]])dup\(' -- 'helper/*.c' || \
		{ echo "lint: dup() without close-on-exec: use fcntl(F_DUPFD_CLOEXEC)" >&2; exit 1; }

fmt:
	git ls-files '*.c' '*.h' | xargs clang-format -i

demo: all
	scripts/demo.sh

# Rootless (as root: as the test user); BENCH_QUICK=1 for a smoke run; see the README.
bench: all $(PLUGIN_BINS) $(BENCH_BINS)
	BUILD=$(abspath $(BUILD)) scripts/bench.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR)
	install -m 0755 $(HELPER) $(DESTDIR)$(BINDIR)/rootless-cni-infra
	$(if $(wildcard $(LAUNCHER)),install -m 0755 $(LAUNCHER) $(DESTDIR)$(BINDIR)/rootless-cni-launcher)
	$(if $(wildcard $(INIT)),install -m 0755 $(INIT) $(DESTDIR)$(LIBEXECDIR)/rootless-cni-infra-init)
	$(if $(wildcard $(FORWARDER)),install -m 0755 $(FORWARDER) $(DESTDIR)$(LIBEXECDIR)/rootless-cni-forwarder)
	install -d $(DESTDIR)$(LIBEXECDIR)/cni
	install -m 0755 $(DNS_PLUGIN) $(DESTDIR)$(LIBEXECDIR)/cni/rootless-cni-dns
	install -m 0755 $(IPAM_PLUGIN) $(DESTDIR)$(LIBEXECDIR)/cni/rootless-cni-ipam
	$(if $(wildcard image/net.d/*),install -d $(DESTDIR)$(DATADIR)/net.d && install -m 0644 image/net.d/* $(DESTDIR)$(DATADIR)/net.d/)
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR)
	install -m 0644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/rootless-cni-launcher
	ln -sf rootless-cni-launcher $(DESTDIR)$(BASHCOMPDIR)/rootless-cni-infra
	install -d $(DESTDIR)$(HOOKSDIR)
	for s in createRuntime poststop; do \
		sed -e 's|@LAUNCHER@|$(BINDIR)/rootless-cni-launcher|' -e "s|@STAGE@|$$s|g" \
			infra/oci-hook.json.in >$(DESTDIR)$(HOOKSDIR)/rootless-cni-infra-$$s.json && \
		chmod 0644 $(DESTDIR)$(HOOKSDIR)/rootless-cni-infra-$$s.json || exit 1; \
	done

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/rootless-cni-infra $(DESTDIR)$(BINDIR)/rootless-cni-launcher
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(MAN_PAGES)))
	rm -f $(DESTDIR)$(BASHCOMPDIR)/rootless-cni-launcher $(DESTDIR)$(BASHCOMPDIR)/rootless-cni-infra
	rm -rf $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR)
	rm -f $(DESTDIR)$(HOOKSDIR)/rootless-cni-infra-createRuntime.json \
		$(DESTDIR)$(HOOKSDIR)/rootless-cni-infra-poststop.json

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' -type f 2>/dev/null)
