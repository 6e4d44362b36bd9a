# Sourced by the fetch scripts: download_debs DIR PACKAGE... downloads Debian packages into DIR and unpacks them into
# DIR/unpacked, without installing anything. A mirror that answers badly once should not turn CI red, so the package
# lists and each download get three tries; when a package still cannot be had, it says which one and why, on stdout
# (CI keeps stdout), and returns non-zero.

download_debs() {
  local dir="$1" attempt package
  shift
  for attempt in 1 2 3; do
    apt-cache show "$@" >/dev/null 2>&1 && break
    echo "debs: package lists lack some of $*; apt-get update (try $attempt of 3)"
    apt-get update -qq 2>&1 | tail -5 || true
    (( attempt < 3 )) && sleep $((attempt * 5))
  done
  for package in "$@"; do
    for attempt in 1 2 3; do
      # _apt cannot write into a private temp folder; the download is still verified against the signed lists.
      (cd "$dir" && apt-get download -qq "$package" 2>&1 | grep -v 'couldn.t be accessed by user') || true
      compgen -G "$dir/${package}_*.deb" >/dev/null && break
      if (( attempt == 3 )); then
        echo "debs: could not download $package after 3 tries (apt-cache policy: $(apt-cache policy "$package" 2>&1 | tr -s ' \n' ' '))"
        return 1
      fi
      sleep $((attempt * 5))
    done
  done
  for deb in "$dir"/*.deb; do
    dpkg -x "$deb" "$dir/unpacked" || { echo "debs: could not unpack $(basename "$deb")"; return 1; }
  done
  echo "debs: $(find "$dir" -maxdepth 1 -name '*.deb' | wc -l) packages, $(du -cm "$dir"/*.deb | tail -1 | cut -f1) MB downloaded"
}
