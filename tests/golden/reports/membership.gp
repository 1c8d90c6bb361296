# membership.gp - drawn by `taskmap report` from membership.dat.
# Redraw with: gnuplot membership.gp   (PNG: gnuplot -e "format='png'" membership.gp)
if (!exists('format')) format = 'svg'
if (!exists('output')) output = 'membership.' . format
if (format eq 'png') {
	set terminal pngcairo enhanced size 900,303 font 'sans,10' fontscale 0.75 background rgb 'white' # cairo draws text a third larger than SVG
} else {
	set terminal svg enhanced size 900,303 font 'sans,10' background rgb 'white'
}
set output output
set encoding utf8
set datafile separator "\t"
set border 3 lw 0.8 lc rgb '#555555'
set tics nomirror out scale 0.5 textcolor rgb '#333333'
set key noautotitle
set palette defined (0 '#440154', 1 '#482878', 2 '#3e4a89', 3 '#31688e', 4 '#26828e', 5 '#1f9e89', 6 '#35b779', 7 '#6ece58', 8 '#b5de2b', 9 '#fde725')
# margins in pixels: 60 left, 110 right, 188 bottom, 12 top
set lmargin at screen 0.066667
set rmargin at screen 0.877778
set bmargin at screen 0.621320
set tmargin at screen 0.960396
set xrange [0.5:8.5]
set yrange [3.5:0.5]
set xtics rotate by 90 right noenhanced font ',9' scale 0
set ytics 1,1,3 scale 0
set ylabel 'group'
set border 15 lw 0.8 lc rgb '#555555'
set cbrange [0:1]
set cbtics 0.25 scale 0.5
set cblabel 'membership' offset 1,0
set arrow 1 from 3.5,graph 0 to 3.5,graph 1 nohead front lc rgb '#ffffff' lw 1.2
set arrow 2 from 6.5,graph 0 to 6.5,graph 1 nohead front lc rgb '#ffffff' lw 1.2
plot 'membership.dat' index 0 using 1:2:3 with image pixels, \
	'' index 1 using 1:(-1e30):xticlabels(2) with points
