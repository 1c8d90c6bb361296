# datamap-task.gp - drawn by `taskmap report` from datamap-task.dat.
# Redraw with: gnuplot datamap-task.gp   (PNG: gnuplot -e "format='png'" datamap-task.gp)
if (!exists('format')) format = 'svg'
if (!exists('output')) output = 'datamap-task.' . format
if (format eq 'png') {
	set terminal pngcairo enhanced size 680,560 font 'sans,10' fontscale 0.75 background rgb 'white' # cairo draws text a third larger than SVG
} else {
	set terminal svg enhanced size 680,560 font 'sans,10' background rgb 'white'
}
set output output
set encoding utf8
set datafile separator "\t"
set border 3 lw 0.8 lc rgb '#555555'
set tics nomirror out scale 0.5 textcolor rgb '#333333'
set key noautotitle
set palette defined (0 '#440154', 1 '#482878', 2 '#3e4a89', 3 '#31688e', 4 '#26828e', 5 '#1f9e89', 6 '#35b779', 7 '#6ece58', 8 '#b5de2b', 9 '#fde725')
set yrange [0:1]
set cbrange [0:1]
set xtics font ',8'
set ytics 0.25 font ',8'
set cbtics 0.25 font ',8' scale 0.5
set grid back lc rgb '#ececec' lw 0.6
set border 3 lw 0.8 lc rgb '#555555'
set xrange [0:0.45]
set xtics font ',10'
set ytics font ',10'
set xlabel 'variability'
set ylabel 'confidence'
set cblabel 'correctness'
set title 'x"); system("touch /tmp/taskmap-report-owned"); ("' noenhanced
plot 'datamap-task.dat' using 1:2:3 with points pt 7 ps 0.45 lc palette
