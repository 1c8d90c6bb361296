# relatedness.gp - drawn by `taskmap report` from relatedness.dat.
# Redraw with: gnuplot relatedness.gp   (PNG: gnuplot -e "format='png'" relatedness.gp)
if (!exists('format')) format = 'svg'
if (!exists('output')) output = 'relatedness.' . format
if (format eq 'png') {
	set terminal pngcairo enhanced size 759,645 font 'sans,10' fontscale 0.75 background rgb 'white' # cairo draws text a third larger than SVG
} else {
	set terminal svg enhanced size 759,645 font 'sans,10' background rgb 'white'
}
set output output
set encoding utf8
set datafile separator "\t"
set border 3 lw 0.8 lc rgb '#555555'
set tics nomirror out scale 0.5 textcolor rgb '#333333'
set key noautotitle
set palette defined (0 '#440154', 1 '#482878', 2 '#3e4a89', 3 '#31688e', 4 '#26828e', 5 '#1f9e89', 6 '#35b779', 7 '#6ece58', 8 '#b5de2b', 9 '#fde725')
# margins in pixels: 188 left, 130 right, 188 bottom, 16 top
set lmargin at screen 0.248037
set rmargin at screen 0.828722
set bmargin at screen 0.291876
set tmargin at screen 0.975194
set size ratio -1
set xrange [0.5:8.5]
set yrange [8.5:0.5]
set xtics rotate by 90 right noenhanced font ',9' scale 0
set ytics noenhanced font ',9' scale 0
set border 15 lw 0.8 lc rgb '#555555'
set object 99 rectangle from graph 0, graph 0 to graph 1, graph 1 behind fillstyle solid 1.0 noborder fillcolor rgb '#d9d9d9' # undefined cells
set cbrange [0.1:0.96]
set cbtics scale 0.5
set cblabel 'similarity' . ' (' . 'datamap' . ')' noenhanced offset 1,0
set object 1 rectangle from 0.5,0.5 to 3.5,3.5 front fillstyle empty border lc rgb '#111111' lw 1.4
set object 2 rectangle from 3.5,3.5 to 6.5,6.5 front fillstyle empty border lc rgb '#111111' lw 1.4
set object 3 rectangle from 6.5,6.5 to 8.5,8.5 front fillstyle empty border lc rgb '#111111' lw 1.4
plot 'relatedness.dat' index 0 using 1:2:3 with image pixels, \
	'' index 1 using 1:(-1e30):xticlabels(2) with points, \
	'' index 1 using (-1e30):1:yticlabels(2) with points
