# antenne: `make demo` and `make test` on a fresh Debian/Ubuntu machine.
SHELL := /bin/bash
# What the daemon needs to run, and what the test suite adds (real peers, promtool, a browser).
RUN_PACKAGES := ffmpeg libsrt1.5-openssl libfaad2 libmpg123-0
TEST_PACKAGES := $(RUN_PACKAGES) srt-tools icecast2 prometheus prometheus-alertmanager nginx varnish chromium liquidsoap libavcodec-dev libswresample-dev gcc libc6-dev tini openssl
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps system-deps node-deps build test test-unit test-e2e e2e-busy soak lint demo bench clean

all: build

# Installs only what is missing, so a second run costs nothing. The fleet tests need a kubectl
# (kustomize): Debian's kubernetes-client, unless one is already on the PATH.
system-deps: PACKAGES ?= $(TEST_PACKAGES)
system-deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ "$(PACKAGES)" = "$(TEST_PACKAGES)" ] && ! command -v kubectl >/dev/null; then \
	  missing="$$missing kubernetes-client"; \
	fi; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

node-deps: node_modules/.installed

deps: system-deps node-deps

build: node-deps
	npm run build

lint: node-deps
	npm run lint

# The fast tier (lint, typecheck, unit and component tests: `npm test`), then end to end with
# real peers. The long soaks (`make soak`) run in CI after this.
test: deps
	npm test
	npm run e2e

test-unit: deps
	npm run test:unit

test-e2e: deps
	npm run test:e2e

soak: deps
	npm run test:soak

# The end-to-end tier with one core kept busy by stress-ng, three times in a row: the tests wait
# on conditions, not durations. Each run is bounded; stress-ng is stopped by its PID.
e2e-busy: deps build
	@$(MAKE) --no-print-directory system-deps PACKAGES="stress-ng"
	@for i in 1 2 3; do \
	  stress-ng --cpu 1 --timeout 3600 --quiet & busy=$$!; \
	  echo "== e2e run $$i of 3 with one core busy (stress-ng pid $$busy)"; \
	  npm run e2e; rc=$$?; \
	  kill $$busy; wait $$busy 2>/dev/null; \
	  [ $$rc = 0 ] || exit $$rc; \
	done

demo:
	$(MAKE) system-deps PACKAGES="$(RUN_PACKAGES)"
	$(MAKE) build
	node --max-semi-space-size=1 dist/src/cli.js demo

bench: deps build
	@for b in dist/bench/*.js; do case $$b in *proc-stats*) continue;; esac; echo "== $$b"; node $$b || exit 1; done

clean:
	rm -rf dist var
