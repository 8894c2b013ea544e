# gnuplot -e "data='intake.csv'; out='intake.png'" bench/intake.gp
set datafile separator ','
set terminal pngcairo size 1000,500 font 'sans,10'
set output out
set title 'Quell alert intake over HTTP (SQLite, 5 observables per alert, wrk)'
set xlabel 'seconds'
set ylabel 'alerts/s (10 s intervals)'
set y2label 'server RSS (MB)'
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key bottom right
set grid
plot data using 1:4 skip 2 with linespoints lw 2 title 'alerts/s' axes x1y1, \
     data using 1:2 skip 1 with lines lw 2 dt 2 title 'RSS (MB)' axes x1y2
