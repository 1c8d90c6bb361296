# training.gp - drawn by `taskmap report` from training.dat.
# Redraw with: gnuplot training.gp   (PNG: gnuplot -e "format='png'" training.gp)
if (!exists('format')) format = 'svg'
if (!exists('output')) output = 'training.' . format
if (format eq 'png') {
	set terminal pngcairo enhanced size 1034,680 font 'sans,10' fontscale 0.75 background rgb 'white' # cairo draws text a third larger than SVG
} else {
	set terminal svg enhanced size 1034,680 font 'sans,10' background rgb 'white'
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
set xrange [1:6]
set xtics 1
set object 1 rectangle from first 1.5, graph 0 to first 6.0, graph 1 behind fillstyle solid 1.0 noborder fillcolor rgb '#f2f2f2'
set multiplot layout 3,4 margins screen 0.077, screen 0.986, screen 0.065, screen 0.947 spacing screen 0.046, screen 0.094
set xlabel ''
set ylabel 'loss'
set ytics 0.2
set title 'whole model' font ',9'
plot 'training.dat' index 0 using 1:2 with lines lw 1.3 dt 2 lc rgb '#333333' title 'training', \
	'' index 0 using 1:3 with lines lw 1.6 lc rgb '#333333' title 'validation'
set key off
set yrange [0.5:0.9]
set ytics 0.1
set xlabel ''
set ylabel ''
set title 'alpha' noenhanced font ',9'
set label 1 'group 1' at graph 0.97, graph 0.07 right font ',8' textcolor rgb '#4e79a7' front
plot 'training.dat' index 2 using 1:2 with lines lw 1.3 dt 2 lc rgb '#4e79a7', \
	'' index 2 using 1:3 with lines lw 1.6 lc rgb '#4e79a7'
set xlabel ''
set ylabel ''
set title 'beta' noenhanced font ',9'
set label 1 'group 1' at graph 0.97, graph 0.07 right font ',8' textcolor rgb '#4e79a7' front
plot 'training.dat' index 3 using 1:2 with lines lw 1.3 dt 2 lc rgb '#4e79a7', \
	'' index 3 using 1:3 with lines lw 1.6 lc rgb '#4e79a7'
set xlabel ''
set ylabel ''
set title 'gamma' noenhanced font ',9'
set label 1 'group 1' at graph 0.97, graph 0.07 right font ',8' textcolor rgb '#4e79a7' front
plot 'training.dat' index 4 using 1:2 with lines lw 1.3 dt 2 lc rgb '#4e79a7', \
	'' index 4 using 1:3 with lines lw 1.6 lc rgb '#4e79a7'
set xlabel ''
set ylabel 'ROC-AUC'
set title '<script>alert(1)</script>' noenhanced font ',9'
set label 1 'group 2' at graph 0.97, graph 0.07 right font ',8' textcolor rgb '#f28e2b' front
plot 'training.dat' index 5 using 1:2 with lines lw 1.3 dt 2 lc rgb '#f28e2b', \
	'' index 5 using 1:3 with lines lw 1.6 lc rgb '#f28e2b'
set xlabel 'epoch' offset 0,0.4
set ylabel ''
set title 'x"); system("touch /tmp/task…' noenhanced font ',9'
set label 1 'group 2' at graph 0.97, graph 0.07 right font ',8' textcolor rgb '#f28e2b' front
plot 'training.dat' index 6 using 1:2 with lines lw 1.3 dt 2 lc rgb '#f28e2b', \
	'' index 6 using 1:3 with lines lw 1.6 lc rgb '#f28e2b'
set xlabel 'epoch' offset 0,0.4
set ylabel ''
set title 'd''elta `touch /tmp/taskmap-r…' noenhanced font ',9'
set label 1 'group 2' at graph 0.97, graph 0.07 right font ',8' textcolor rgb '#f28e2b' front
plot 'training.dat' index 7 using 1:2 with lines lw 1.3 dt 2 lc rgb '#f28e2b', \
	'' index 7 using 1:3 with lines lw 1.6 lc rgb '#f28e2b'
set xlabel 'epoch' offset 0,0.4
set ylabel ''
set title 'eps_{1}^2 & co' noenhanced font ',9'
set label 1 'group 3' at graph 0.97, graph 0.07 right font ',8' textcolor rgb '#e15759' front
plot 'training.dat' index 8 using 1:2 with lines lw 1.3 dt 2 lc rgb '#e15759', \
	'' index 8 using 1:3 with lines lw 1.6 lc rgb '#e15759'
set xlabel 'epoch' offset 0,0.4
set ylabel 'ROC-AUC'
set title 'zeta' noenhanced font ',9'
set label 1 'group 3' at graph 0.97, graph 0.07 right font ',8' textcolor rgb '#e15759' front
plot 'training.dat' index 9 using 1:2 with lines lw 1.3 dt 2 lc rgb '#e15759', \
	'' index 9 using 1:3 with lines lw 1.6 lc rgb '#e15759'
unset multiplot
