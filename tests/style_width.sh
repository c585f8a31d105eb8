#!/bin/sh
# Every line of the project's C sources and headers is within 80 columns
# (tabs count 8). Usage: style_width.sh SOURCE_DIR
set -eu
cd "$1"
long=$(find core sim mock-provider reports live cli tests bench fuzz \
  examples -name '*.[ch]' -print0 2>/dev/null |
  xargs -0 expand | awk 'length > 80' | wc -l)
if [ "$long" -ne 0 ]; then
  find core sim mock-provider reports live cli tests bench fuzz examples \
    -name '*.[ch]' -exec awk 'length > 80 { print FILENAME ":" FNR }' {} +
  echo "$long lines over 80 columns"
  exit 1
fi
echo "every line within 80 columns"
