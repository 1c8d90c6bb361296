# training-task.gp - drawn by `taskmap report` from training-task.dat.
# Redraw with: gnuplot training-task.gp   (PNG: gnuplot -e "format='png'" training-task.gp)
if (!exists('format')) format = 'svg'
if (!exists('output')) output = 'training-task.' . format
if (format eq 'png') {
	set terminal pngcairo enhanced size 900,380 font 'sans,10' fontscale 0.75 background rgb 'white' # cairo draws text a third larger than SVG
} else {
	set terminal svg enhanced size 900,380 font 'sans,10' background rgb 'white'
}
set output output
set encoding utf8
set datafile separator "\t"
set border 3 lw 0.8 lc rgb '#555555'
set tics nomirror out scale 0.5 textcolor rgb '#333333'
set key noautotitle
set palette defined (0 '#440154', 1 '#482878', 2 '#3e4a89', 3 '#31688e', 4 '#26828e', 5 '#1f9e89', 6 '#35b779', 7 '#6ece58', 8 '#b5de2b', 9 '#fde725')
set grid back lc rgb '#ececec' lw 0.6
set key top right samplen 2 font ',9'
set xtics font ',9'
set ytics font ',9'
set offsets 0, 0, graph 0.05, graph 0.05
set xlabel 'epoch'
set xrange [1:6]
set xtics 1
set object 1 rectangle from first 1.5, graph 0 to first 6.0, graph 1 behind fillstyle solid 1.0 noborder fillcolor rgb '#f2f2f2'
set multiplot layout 1,2 title 'x"); system("touch /tmp/taskmap-report-owned"); ("' noenhanced font ',11'
set ylabel 'loss'
plot 'training-task.dat' using 1:2 with linespoints pt 7 ps 0.4 lw 1.6 lc rgb '#31688e' title 'training', \
	'' using 1:3 with linespoints pt 7 ps 0.4 lw 1.6 dt 2 lc rgb '#e15759' title 'validation'
set ylabel 'ROC-AUC'
set key bottom right # the curves rise: the top right is where they end
plot 'training-task.dat' using 1:4 with linespoints pt 7 ps 0.4 lw 1.6 lc rgb '#31688e' title 'training', \
	'' using 1:5 with linespoints pt 7 ps 0.4 lw 1.6 dt 2 lc rgb '#e15759' title 'validation'
unset multiplot
