# Sourced by the retrieval-set fetch scripts: group NAME PHOTO... copies one group's photos into $out/pairs as
# NAME_1.ext, NAME_2.ext, ... (extensions lower-cased) and appends their names as one line of $out/pairs.txt, the
# line the retrieval benchmark and DevelopmentSetTests read as one subject.

group() {
  local name="$1" line="" index=0 photo extension
  shift
  for photo in "$@"; do
    index=$((index + 1))
    extension="${photo##*.}"
    extension="${extension,,}"
    cp "$photo" "$out/pairs/${name}_$index.$extension"
    line+="${name}_$index.$extension "
  done
  echo "${line% }" >> "$out/pairs.txt"
}
