#!/usr/bin/env bash
# The report as a reader sees it: synth, train, analyze and report a small
# run whose task names try to inject HTML, then render index.html in headless
# Chromium. Every picture index.html refers to must exist and be an SVG that
# draws something; every <img> must decode in the browser (naturalWidth, in a
# copy of the page with a script that counts them); and the screenshot must
# hold the plots' colours: many more strongly coloured pixels than the
# screenshot of a copy without its <img> tags (counted by a small python3
# script, zlib to decode the PNG). Skipped (77) without chromium, gnuplot or
# python3.
set -u
. "$(dirname "$0")/lib.sh"

chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ] || ! command -v gnuplot >/dev/null || ! command -v python3 >/dev/null; then
	echo "skipped: chromium, gnuplot or python3 is not installed"
	exit 77
fi
cd "$work" || exit 1
db="$work/results.db"
check synth 0 $T synth --out "$work/data.arff" --groups 3 --tasks-per-group 3 --samples 400
# two tasks named to inject HTML and gnuplot commands
owned="$work/owned"
sed -i -e "s|^@attribute task_00 |@attribute '<script>alert(1)</script>' |" \
	-e "s|^@attribute task_01 |@attribute 'x\"); system(\"touch $owned\"); (\"' |" "$work/data.arff"
check train 0 $T --db "$db" train "$work/data.arff" --epochs 6
check analyze 0 $T --db "$db" analyze
check report 0 $T --db "$db" report --out "$work/report"
for plot in datamaps relatedness dendrogram task-map membership model-selection training; do
	contains "index.html shows $plot.svg" "$work/report/index.html" "<img src=\"$plot.svg\""
done

[ ! -e "$owned" ] && echo "ok   no-command-ran" ||
	{ echo "FAIL a task name ran a command"; failures=$((failures + 1)); }
contains html-escaped "$work/report/index.html" "&lt;script&gt;alert(1)&lt;/script&gt;"
if grep -q "<script" "$work/report/index.html"; then
	echo "FAIL index.html holds a <script> element"; failures=$((failures + 1))
fi

# every picture the page refers to: present, a whole SVG document, with marks in it
python3 - "$work/report" <<'PY'
import re, sys, xml.etree.ElementTree as ET
report = sys.argv[1]
html = open(report + '/index.html', encoding='utf-8').read()
sources = re.findall(r'<img src="([^"]+)"', html)
bad = 0
for source in sources:
    try:
        root = ET.parse(report + '/' + source).getroot()
    except (OSError, ET.ParseError) as error:
        print('FAIL %s: %s' % (source, error))
        bad += 1
        continue
    marks = sum(1 for e in root.iter() if e.tag.split('}')[-1] in
                ('path', 'polygon', 'polyline', 'image', 'rect', 'circle', 'use'))
    if root.tag != '{http://www.w3.org/2000/svg}svg' or marks < 10:
        print('FAIL %s: not an SVG that draws something (%s, %d marks)' % (source, root.tag, marks))
        bad += 1
    else:
        print('ok   %s is an SVG (%d marks)' % (source, marks))
sys.exit(1 if bad or not sources else 0)
PY
[ $? -eq 0 ] || failures=$((failures + 1))

# shoot OPTION... URL: headless Chromium on the report, a tall window for the whole page
shoot() {
	local profile
	profile=$(mktemp -d)
	timeout 120 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --user-data-dir="$profile" --window-size=1280,7000 "$@" \
		2>>"$work/chromium.log"
	rm -rf "$profile"
}
shoot --screenshot="$work/shot.png" "file://$work/report/index.html" >>"$work/chromium.log"
# the same page without its pictures (same directory, same styles)
sed -e 's|<img [^>]*>||g' "$work/report/index.html" >"$work/report/no-images.html"
shoot --screenshot="$work/no-images.png" "file://$work/report/no-images.html" >>"$work/chromium.log"
# the same page with a script that counts the pictures decoded once all have loaded
sed -e "s|default-src 'none';|default-src 'none'; script-src 'unsafe-inline';|" \
	-e 's|</body>|<script>addEventListener("load", function () { var i = document.images, n = 0; for (var k = 0; k < i.length; k++) n += i[k].complete \&\& i[k].naturalWidth > 0; document.body.setAttribute("data-decoded", n + " of " + i.length); });</script></body>|' \
	"$work/report/index.html" >"$work/report/count-images.html"
shoot --dump-dom "file://$work/report/count-images.html" >"$work/dom.html"
n_images=$(grep -o '<img src=' "$work/report/index.html" | wc -l)
contains "chromium decoded all $n_images pictures" "$work/dom.html" \
	"data-decoded=\"$n_images of $n_images\""

# strongly coloured pixels (channels more than 64 apart): the plots, not text or grey
python3 - "$work/shot.png" "$work/no-images.png" <<'PY'
import struct, sys, zlib

def rows_of(path):
    data = open(path, 'rb').read()
    if data[:8] != b'\x89PNG\r\n\x1a\n':
        raise SystemExit('FAIL %s is not a PNG' % path)
    pos, idat = 8, []
    while pos < len(data):
        length, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b'IHDR':
            width, height, depth, color, _, _, interlace = struct.unpack('>IIBBBBB', body)
        elif kind == b'IDAT':
            idat.append(body)
        pos += 12 + length
    if depth != 8 or color not in (2, 6) or interlace:
        raise SystemExit('FAIL %s: unsupported PNG (depth %d, colour type %d)'
                         % (path, depth, color))
    bpp = 3 if color == 2 else 4
    raw, stride = zlib.decompress(b''.join(idat)), width * bpp
    prev = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        if kind == 1:
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 255
        elif kind == 2:
            row = bytearray((a + b) & 255 for a, b in zip(row, prev))
        elif kind == 3:
            for i in range(stride):
                row[i] = (row[i] + ((row[i - bpp] if i >= bpp else 0) + prev[i]) // 2) & 255
        elif kind == 4:
            for i in range(stride):
                a, b = (row[i - bpp] if i >= bpp else 0), prev[i]
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        yield bpp, row
        prev = row

def coloured(path):
    return sum(sum(1 for r, g, b in zip(row[0::bpp], row[1::bpp], row[2::bpp])
                   if max(r, g, b) - min(r, g, b) > 64) for bpp, row in rows_of(path))

with_pictures, without = coloured(sys.argv[1]), coloured(sys.argv[2])
shown = with_pictures >= 50000 and with_pictures >= 20 * (without + 1)
print('%s the screenshot shows the plots: %d coloured pixels, %d without the pictures'
      % ('ok  ' if shown else 'FAIL', with_pictures, without))
sys.exit(0 if shown else 1)
PY
if [ $? -ne 0 ]; then
	tail -5 "$work/chromium.log"
	failures=$((failures + 1))
fi
if [ -n "${TASKMAP_KEEP_SCREENSHOT:-}" ]; then
	cp "$work/shot.png" "$TASKMAP_KEEP_SCREENSHOT"
fi
finish
