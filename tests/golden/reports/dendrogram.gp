# dendrogram.gp - drawn by `taskmap report` from dendrogram.dat.
# Redraw with: gnuplot dendrogram.gp   (PNG: gnuplot -e "format='png'" dendrogram.gp)
if (!exists('format')) format = 'svg'
if (!exists('output')) output = 'dendrogram.' . format
if (format eq 'png') {
	set terminal pngcairo enhanced size 900,505 font 'sans,10' fontscale 0.75 background rgb 'white' # cairo draws text a third larger than SVG
} else {
	set terminal svg enhanced size 900,505 font 'sans,10' background rgb 'white'
}
set output output
set encoding utf8
set datafile separator "\t"
set border 3 lw 0.8 lc rgb '#555555'
set tics nomirror out scale 0.5 textcolor rgb '#333333'
set key noautotitle
set palette defined (0 '#440154', 1 '#482878', 2 '#3e4a89', 3 '#31688e', 4 '#26828e', 5 '#1f9e89', 6 '#35b779', 7 '#6ece58', 8 '#b5de2b', 9 '#fde725')
# margins in pixels: 70 left, 20 right, 188 bottom, 16 top
set lmargin at screen 0.077778
set rmargin at screen 0.977778
set bmargin at screen 0.372792
set tmargin at screen 0.968317
set xrange [0.5:8.5]
set yrange [0:0.936]
set xtics rotate by 90 right noenhanced font ',9' scale 0
set border 2 lw 0.8 lc rgb '#555555'
set ylabel 'merge distance'
set grid ytics back lc rgb '#e8e8e8' lw 0.6
plot 'dendrogram.dat' index 0 using 1:2:3 with lines lw 1.3 lc rgb variable, \
	'' index 1 using 1:(-1e30):xticlabels(2) with points
