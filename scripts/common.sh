# Shared by the scripts: idempotent installers. Each checks first and returns at once when its
# tool is already there, so a second run of scripts/serve or scripts/test starts in seconds.
# Sourced, not run. Everything comes from the package registries (crates.io, npm, Debian).

set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$ROOT/node_modules/.bin:$PATH"

# Each phase's line carries the seconds since the first script started (scripts/build run by
# scripts/test counts from scripts/test's start), so a log shows what each phase took.
export TICKETLAB_T0="${TICKETLAB_T0:-$(date +%s)}"
say() { printf '\033[1m== %s\033[0m (at %d s)\n' "$*" "$(($(date +%s) - TICKETLAB_T0))" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

need_command() {
  command -v "$1" >/dev/null 2>&1 || die "$1 is not installed: $2"
}

ensure_wasm_target() {
  need_command cargo "install Rust (rustup) first"
  if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_wasm_bindgen() {
  local version
  version="$(locked_wasm_bindgen_version)"
  [ -n "$version" ] || die "no wasm-bindgen in Cargo.lock"
  if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$version" ]; then
    say "installing wasm-bindgen-cli $version (a few minutes, once)"
    cargo install wasm-bindgen-cli --version "$version" --force
  fi
}

ensure_npm_packages() {
  need_command npm "install Node.js 20 or newer with npm"
  # Decided by the lock file's contents, not its date: a fresh checkout or worktree has new dates.
  local stamp=node_modules/.ticketlab-lock.sha256 wanted
  wanted="$(sha256sum package-lock.json | cut -d' ' -f1)"
  if [ ! -f node_modules/.package-lock.json ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    say "installing npm packages"
    npm ci --no-audit --no-fund
    echo "$wanted" >"$stamp"
  fi
}

# Debian packages, with one `apt-get update` per script run however many are installed.
APT_LISTS_UPDATED=""
apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ -z "$APT_LISTS_UPDATED" ]; then
    $sudo apt-get update -qq
    APT_LISTS_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    say "installing Chromium and ChromeDriver from Debian"
    apt_install chromium chromium-driver
  fi
  export CHROMEDRIVER=/usr/bin/chromedriver CHROMIUM=/usr/bin/chromium
}

# Debian's Firefox ESR. scripts/test names /usr/bin/firefox-esr to geckodriver (--binary), so the
# browser that runs is this one, not whichever `firefox` comes first on PATH.
ensure_firefox() {
  if [ ! -x /usr/bin/firefox-esr ]; then
    say "installing Firefox ESR from Debian"
    apt_install firefox-esr
  fi
  FIREFOX=/usr/bin/firefox-esr
}

# geckodriver is built from crates.io at a pinned version with its own Cargo.lock. GECKODRIVER is
# set, not exported: wasm-bindgen's test runner takes the first of GECKODRIVER and CHROMEDRIVER it
# finds in the environment, so exporting it would turn the Chromium run into a Firefox one.
GECKODRIVER_VERSION=0.37.1
ensure_geckodriver() {
  if [ "$(geckodriver --version 2>/dev/null | awk 'NR == 1 {print $2}')" != "$GECKODRIVER_VERSION" ]; then
    say "installing geckodriver $GECKODRIVER_VERSION (a few minutes, once)"
    cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked --force
  fi
  GECKODRIVER="$(command -v geckodriver)"
}

# WebKitGTK, Safari's engine, from Debian: WebKitWebDriver (webkit2gtk-driver), which drives the
# MiniBrowser that comes with libwebkit2gtk; it has no headless mode, so Xvfb gives it a display.
ensure_webkit() {
  if ! command -v WebKitWebDriver >/dev/null 2>&1 || ! command -v Xvfb >/dev/null 2>&1; then
    say "installing WebKitGTK's WebDriver and Xvfb from Debian"
    apt_install webkit2gtk-driver xvfb
  fi
}

# A Python venv under target/ with the packages of a requirements file (scripts/requirements-*.txt),
# made once and again only when the file changes: ensure_python_venv DIR REQUIREMENTS.
ensure_python_venv() {
  local venv="$1" requirements="$2"
  need_command python3 "install Python 3 (3.9 or newer)"
  if [ -x "$venv/bin/python" ] && cmp -s "$requirements" "$venv/requirements.txt"; then
    return
  fi
  if ! python3 -c "import ensurepip" >/dev/null 2>&1; then
    say "installing Python's venv module from Debian"
    apt_install python3-venv
  fi
  say "making a Python venv in ${venv#"$ROOT"/} with $(grep -v '^#' "$requirements" | tr '\n' ' ')(once)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$venv/requirements.txt"
}

# NumPy and safetensors, for scripts/check-ticket.py (a few seconds, once).
ensure_format_venv() {
  ensure_python_venv "$ROOT/target/pyvenv" "$ROOT/scripts/requirements-format.txt"
  PYTHON_FORMAT="$ROOT/target/pyvenv/bin/python"
}

# For the recipes in scripts/cluster/: shellcheck from Debian, and kubernetes-validate from PyPI in
# target/clustervenv (scripts/requirements-cluster.txt; a few seconds, once).
ensure_cluster_checkers() {
  if ! command -v shellcheck >/dev/null; then
    say "installing shellcheck from Debian"
    apt_install shellcheck
  fi
  ensure_python_venv "$ROOT/target/clustervenv" "$ROOT/scripts/requirements-cluster.txt"
  KUBERNETES_VALIDATE="$ROOT/target/clustervenv/bin/kubernetes-validate"
}

ensure_mnist() {
  "$ROOT/scripts/fetch-mnist"
}
