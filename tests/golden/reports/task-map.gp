# task-map.gp - drawn by `taskmap report` from task-map.dat.
# Redraw with: gnuplot task-map.gp   (PNG: gnuplot -e "format='png'" task-map.gp)
if (!exists('format')) format = 'svg'
if (!exists('output')) output = 'task-map.' . format
if (format eq 'png') {
	set terminal pngcairo enhanced size 760,620 font 'sans,10' fontscale 0.75 background rgb 'white' # cairo draws text a third larger than SVG
} else {
	set terminal svg enhanced size 760,620 font 'sans,10' background rgb 'white'
}
set output output
set encoding utf8
set datafile separator "\t"
set border 3 lw 0.8 lc rgb '#555555'
set tics nomirror out scale 0.5 textcolor rgb '#333333'
set key noautotitle
set palette defined (0 '#440154', 1 '#482878', 2 '#3e4a89', 3 '#31688e', 4 '#26828e', 5 '#1f9e89', 6 '#35b779', 7 '#6ece58', 8 '#b5de2b', 9 '#fde725')
# fixed margins and ranges of the area's aspect: names were placed for them
set lmargin at screen 0.092105
set rmargin at screen 0.828947
set bmargin at screen 0.080645
set tmargin at screen 0.974194
set xrange [-0.493865823:0.54282664]
set yrange [-0.361183611:0.664401432]
set border 15 lw 0.8 lc rgb '#555555'
set xlabel 'MDS dimension 1'
set ylabel 'MDS dimension 2'
set grid back lc rgb '#ececec' lw 0.6
set key outside right top vertical Left reverse samplen 1 spacing 1.1 
colors = '#4e79a7 #f28e2b #e15759'
plot 'task-map.dat' using 1:($3 < 0 ? $2 : NaN) with points pt 7 ps 0.9 lc rgb '#aaaaaa', \
	for [g=0:2] '' using 1:($3 == g ? $2 : NaN) with points pt 7 ps 1.1 lc rgb word(colors, g + 1) title sprintf('group %d', g + 1), \
	'' using ($7 == 0 ? $5 : NaN):6:4 with labels left font ',8' textcolor rgb '#333333' noenhanced, \
	'' using ($7 == 1 ? $5 : NaN):6:4 with labels right font ',8' textcolor rgb '#333333' noenhanced, \
	'' using ($7 == 2 ? $5 : NaN):6:4 with labels center font ',8' textcolor rgb '#333333' noenhanced
