# datamaps.gp - drawn by `taskmap report` from datamaps.dat.
# Redraw with: gnuplot datamaps.gp   (PNG: gnuplot -e "format='png'" datamaps.gp)
if (!exists('format')) format = 'svg'
if (!exists('output')) output = 'datamaps.' . format
if (format eq 'png') {
	set terminal pngcairo enhanced size 1030,460 font 'sans,10' fontscale 0.75 background rgb 'white' # cairo draws text a third larger than SVG
} else {
	set terminal svg enhanced size 1030,460 font 'sans,10' background rgb 'white'
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
unset colorbox
set multiplot layout 2,4 margins screen 0.073, screen 0.89, screen 0.098, screen 0.939 spacing screen 0.035, screen 0.163
set title 'gamma' noenhanced font ',9'
set label 1 'group 1, most typical' at graph 0.98, graph 0.05 right font ',8' textcolor rgb '#4e79a7' front
set xlabel ''
set ylabel 'confidence'
plot 'datamaps.dat' index 0 using 1:2:3 with points pt 7 ps 0.3 lc palette
set title 'alpha' noenhanced font ',9'
set label 1 'group 1, least typical' at graph 0.98, graph 0.05 right font ',8' textcolor rgb '#4e79a7' front
set xlabel ''
set ylabel ''
plot 'datamaps.dat' index 1 using 1:2:3 with points pt 7 ps 0.3 lc palette
set title 'd''elta `touch /tmp/taskmap-report-owned2` @x' noenhanced font ',9'
set label 1 'group 2, most typical' at graph 0.98, graph 0.05 right font ',8' textcolor rgb '#f28e2b' front
set xlabel 'variability'
set ylabel ''
plot 'datamaps.dat' index 2 using 1:2:3 with points pt 7 ps 0.3 lc palette
set title '<script>alert(1)</script>' noenhanced font ',9'
set label 1 'group 2, least typical' at graph 0.98, graph 0.05 right font ',8' textcolor rgb '#f28e2b' front
set xlabel 'variability'
set ylabel ''
plot 'datamaps.dat' index 3 using 1:2:3 with points pt 7 ps 0.3 lc palette
set title 'eps_{1}^2 & co' noenhanced font ',9'
set label 1 'group 3, most typical' at graph 0.98, graph 0.05 right font ',8' textcolor rgb '#e15759' front
set xlabel 'variability'
set ylabel 'confidence'
plot 'datamaps.dat' index 4 using 1:2:3 with points pt 7 ps 0.3 lc palette
set title 'zeta' noenhanced font ',9'
set label 1 'group 3, least typical' at graph 0.98, graph 0.05 right font ',8' textcolor rgb '#e15759' front
set xlabel 'variability'
set ylabel ''
set colorbox user origin screen 0.925, screen 0.3 size screen 0.014, screen 0.4
set cblabel 'correctness' font ',9'
plot 'datamaps.dat' index 5 using 1:2:3 with points pt 7 ps 0.3 lc palette
unset multiplot
