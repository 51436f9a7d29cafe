# The two commands a newcomer needs: `make demo` and `make check`.
# Everything else is a step they depend on. Build trees live in build/ (normal)
# and build-asan/ (AddressSanitizer + UndefinedBehaviorSanitizer).

JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
BUILD   := build
ASAN    := build-asan
DEMO_DIR ?= demo-data
LISTEN  ?= 127.0.0.1:8080

.PHONY: all deps build build-asan check check-heavy test test-asan test-browser demo bench fuzz clean

all: build

deps:
	@./scripts/install-deps.sh

$(BUILD)/Makefile: CMakeLists.txt
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

$(ASAN)/Makefile: CMakeLists.txt
	CC=clang cmake -S . -B $(ASAN) -DCMAKE_BUILD_TYPE=Debug -DCANHGAC_SANITIZE=ON >/dev/null

build: deps $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps $(ASAN)/Makefile
	cmake --build $(ASAN) -j $(JOBS)

# The unit tests against the normal build; test-asan runs them again with the
# e2e suite against the sanitizer build (the e2e suite once, not twice).
test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) -LE heavy -R '^unit/'

test-asan: build-asan
	cd $(ASAN) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --output-on-failure -j $(JOBS) -LE heavy

# The console in Debian's chromium (tests/browser; installs chromium and
# playwright-core when missing).
test-browser: build
	CANHGAC_BIN=$(BUILD)/canhgac tests/browser/run.sh

# The unit tests in both builds, the e2e suite in the sanitizer build, then the browser tests.
check: test test-asan test-browser
	@echo "make check: all tests passed (unit: normal and ASan+UBSan builds; e2e: ASan+UBSan; browser)"

# Heavy suites (tests/heavy: slow-client attacks), against the sanitizer-free
# build, one at a time: they measure answers under load.
check-heavy: build
	cd $(BUILD) && ctest --output-on-failure -L heavy

demo: build
	./$(BUILD)/canhgac demo --data $(DEMO_DIR) --listen $(LISTEN)

bench: build
	@if [ -x bench/run.sh ]; then ./bench/run.sh; else echo "make bench: nothing is benchmarked yet"; fi

fuzz:
	@if [ -x tests/fuzz/run.sh ]; then ./tests/fuzz/run.sh; else echo "make fuzz: nothing is fuzzed yet"; fi

clean:
	rm -rf $(BUILD) $(ASAN)
