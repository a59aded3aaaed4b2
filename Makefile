# signet - the front door. Meson and Ninja do the work.
#
#   make          build build/signet (release)
#   make check    the release build, then every test under ASan+UBSan,
#                 with the real peer tools;
#                 each fuzz harness on its committed inputs, then a fixed
#                 number of runs with a fixed seed (the same every time)
#   make fuzz     long random fuzz campaigns in build-fuzz/, one harness
#                 after another (or only FUZZERS="a b"), each stopped at
#                 FUZZ_SECONDS (default 600) or FUZZ_RUNS executions
#                 (default 0: no cap), whichever comes first: new
#                 coverage is merged into fuzz/corpus/, a crash saved in
#                 fuzz/regressions/ and the run stopped; one table row
#                 per harness (executions, seconds, exec/s, corpus size)
#   make demo     the main job on the embedded example
#   make bench    signet beside the peer tools, with ratios
#   make install  PREFIX=/usr/local DESTDIR=
PREFIX ?= /usr/local
DESTDIR ?=
BUILD := build
CHECK_BUILD := build-check
FUZZ_BUILD := build-fuzz
FUZZ_SECONDS ?= 600
FUZZ_RUNS ?= 0
FUZZERS ?= $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))

.PHONY: all check fuzz demo bench install clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	scripts/deps build
	meson setup $(BUILD) --buildtype=release --prefix=$(PREFIX)

# The check build uses clang so that the same build has libFuzzer; the
# fuzz build has the same flags in a directory of its own, so a campaign
# never disturbs the check build.
CHECK_FLAGS := --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false \
	-Dc_args=-fno-sanitize-recover=all -Dfuzz=true
$(CHECK_BUILD)/build.ninja:
	scripts/deps check
	CC=clang meson setup $(CHECK_BUILD) $(CHECK_FLAGS)

$(FUZZ_BUILD)/build.ninja:
	scripts/deps check
	CC=clang meson setup $(FUZZ_BUILD) $(CHECK_FLAGS)

# check builds the release too (gcc -O3, what make demo and install use):
# its warnings are not the check build's (clang -O0), and both are -Werror.
check: all $(CHECK_BUILD)/build.ninja
	scripts/deps check
	ninja -C $(CHECK_BUILD)
	scripts/run-tests $(CHECK_BUILD)

fuzz: $(FUZZ_BUILD)/build.ninja
	ninja -C $(FUZZ_BUILD) $(addprefix fuzz/fuzz_,$(FUZZERS))
	fuzz/campaign.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_RUNS) $(FUZZERS)

demo: all
	scripts/deps demo
	sh demo/run.sh $(BUILD)/signet

bench: all
	scripts/deps bench
	sh bench/run.sh $(BUILD)/signet

install: all
	meson configure $(BUILD) -Dprefix=$(PREFIX)
	ninja -C $(BUILD)
	DESTDIR=$(DESTDIR) meson install -C $(BUILD) --no-rebuild

clean:
	rm -rf $(BUILD) $(CHECK_BUILD) $(FUZZ_BUILD)
