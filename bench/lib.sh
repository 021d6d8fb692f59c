# Shared by the bench scripts: source it after defining die().

# install_missing PACKAGE...: installs Debian packages with apt-get when running as root,
# or stops with the command to run.
install_missing() {
    [ $# -gt 0 ] || return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "Installing $* with apt-get..."
        timeout 600 apt-get install -y --no-install-recommends "$@" >/dev/null \
            || { timeout 600 apt-get update >/dev/null && timeout 600 apt-get install -y --no-install-recommends "$@" >/dev/null; } \
            || die "apt-get could not install $*"
    else
        die "missing $*: install them with 'sudo apt-get install -y $*'"
    fi
}
