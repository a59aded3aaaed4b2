# signet - the front door. Meson and Ninja do the work.
#
#   make          build build/signet (release)
#   make check    every test under ASan+UBSan, with the real peer tools;
#                 each fuzz harness on its committed inputs, then a fixed
#                 number of runs with a fixed seed (the same every time)
#   make demo     the main job on the embedded example
#   make bench    signet beside the peer tools, with ratios
#   make install  PREFIX=/usr/local DESTDIR=
PREFIX ?= /usr/local
DESTDIR ?=
BUILD := build
CHECK_BUILD := build-check

.PHONY: all check demo bench install clean

all: $(BUILD)/build.ninja
	ninja -C $(BUILD)

$(BUILD)/build.ninja:
	scripts/deps build
	meson setup $(BUILD) --buildtype=release --prefix=$(PREFIX)

# The check build uses clang so that the same build has libFuzzer.
$(CHECK_BUILD)/build.ninja:
	scripts/deps check
	CC=clang meson setup $(CHECK_BUILD) --buildtype=debug \
		-Db_sanitize=address,undefined -Db_lundef=false \
		-Dc_args=-fno-sanitize-recover=all -Dfuzz=true

check: $(CHECK_BUILD)/build.ninja
	scripts/deps check
	ninja -C $(CHECK_BUILD)
	scripts/run-tests $(CHECK_BUILD)

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
	rm -rf $(BUILD) $(CHECK_BUILD)
