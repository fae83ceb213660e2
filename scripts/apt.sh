# Sourced by the scripts that install Debian packages.
#
# apt_missing WHO PACKAGE...: installs those of the packages that are not
# installed yet (apt-get update first), saying so on stderr as WHO.
apt_missing() {
  local who="$1" missing=() p sudo=""
  shift
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "$who: installing ${missing[*]}" >&2
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  # Packages of another architecture (`name:arm64`) need it added first.
  for p in "${missing[@]}"; do
    [[ "$p" == *:* ]] || continue
    dpkg --print-foreign-architectures | grep -qx "${p#*:}" || $sudo dpkg --add-architecture "${p#*:}"
  done
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# apt_current WHO PACKAGE...: installs the packages, or upgrades them to the
# version apt offers now: wit/generated is imported from their headers, and
# a machine's image may hold an older release (expat's security updates add
# functions).
apt_current() {
  local who="$1" stale=() p sudo=""
  shift
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  for p in "$@"; do
    [[ "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)" == \
      "$(apt-cache policy "$p" | awk '/Candidate:/ {print $2}')" ]] || stale+=("$p")
  done
  ((${#stale[@]})) || return 0
  echo "$who: installing the current ${stale[*]}" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${stale[@]}" >/dev/null
}
