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
