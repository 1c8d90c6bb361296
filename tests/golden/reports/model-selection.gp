# model-selection.gp - drawn by `taskmap report` from model-selection.dat.
# Redraw with: gnuplot model-selection.gp   (PNG: gnuplot -e "format='png'" model-selection.gp)
if (!exists('format')) format = 'svg'
if (!exists('output')) output = 'model-selection.' . format
if (format eq 'png') {
	set terminal pngcairo enhanced size 660,300 font 'sans,10' fontscale 0.75 background rgb 'white' # cairo draws text a third larger than SVG
} else {
	set terminal svg enhanced size 660,300 font 'sans,10' background rgb 'white'
}
set output output
set encoding utf8
set datafile separator "\t"
set border 3 lw 0.8 lc rgb '#555555'
set tics nomirror out scale 0.5 textcolor rgb '#333333'
set key noautotitle
set palette defined (0 '#440154', 1 '#482878', 2 '#3e4a89', 3 '#31688e', 4 '#26828e', 5 '#1f9e89', 6 '#35b779', 7 '#6ece58', 8 '#b5de2b', 9 '#fde725')
set xlabel 'number of groups k'
set ylabel 'score'
set grid back lc rgb '#ececec' lw 0.6
set ytics font ',9'
set offsets 0, 0, graph 0.08, graph 0.08
set xrange [1.5:6.5]
set xtics 1 font ',9'
set arrow 1 from first 3, graph 0 to first 3, graph 1 nohead dt 2 lw 1 lc rgb '#e15759' back
set multiplot layout 1,2
set title 'eigengap' noenhanced font ',10'
plot 'model-selection.dat' index 0 using 1:2 with linespoints pt 7 ps 0.55 lw 1.6 lc rgb '#31688e', \
	'' index 0 using 1:($1 == 3 ? $2 : NaN) with points pt 6 ps 2.2 lw 1.8 lc rgb '#e15759'
set title 'silhouette' . ': used to choose k' noenhanced font ',10'
plot 'model-selection.dat' index 1 using 1:2 with linespoints pt 7 ps 0.55 lw 1.6 lc rgb '#31688e', \
	'' index 1 using 1:($1 == 3 ? $2 : NaN) with points pt 6 ps 2.2 lw 1.8 lc rgb '#e15759'
unset multiplot
