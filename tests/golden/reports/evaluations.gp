# evaluations.gp - drawn by `taskmap report` from evaluations.dat.
# Redraw with: gnuplot evaluations.gp   (PNG: gnuplot -e "format='png'" evaluations.gp)
if (!exists('format')) format = 'svg'
if (!exists('output')) output = 'evaluations.' . format
if (format eq 'png') {
	set terminal pngcairo enhanced size 760,240 font 'sans,10' fontscale 0.75 background rgb 'white' # cairo draws text a third larger than SVG
} else {
	set terminal svg enhanced size 760,240 font 'sans,10' background rgb 'white'
}
set output output
set encoding utf8
set datafile separator "\t"
set border 3 lw 0.8 lc rgb '#555555'
set tics nomirror out scale 0.5 textcolor rgb '#333333'
set key noautotitle
set palette defined (0 '#440154', 1 '#482878', 2 '#3e4a89', 3 '#31688e', 4 '#26828e', 5 '#1f9e89', 6 '#35b779', 7 '#6ece58', 8 '#b5de2b', 9 '#fde725')
set yrange [4.6:0.4]
set ytics noenhanced scale 0 font ',9'
set xlabel 'mean held-out ROC-AUC over tasks (bars: sd across seeds)'
set grid xtics back lc rgb '#ececec' lw 0.6
set border 1 lw 0.8 lc rgb '#555555'
set offsets graph 0.05, graph 0.05, 0, 0
plot 'evaluations.dat' using 2:1:3:ytic(5) with xerrorbars pt 7 ps 1.1 lw 1.4 lc rgb '#31688e', \
	'' using ($4 != 0 ? $2 : NaN):1 with points pt 7 ps 1.3 lc rgb '#e15759'
