kind=$1; cert=/tmp/tlsx/${2}cert.pem; key=/tmp/tlsx/${2}key.pem
openssl s_server -accept 19443 -cert $cert -key $key -quiet -naccept 100000 >/dev/null 2>&1 &
pid=$!; sleep 0.5
for v in -tls1_3 -tls1_2; do
 out=$(openssl s_time -connect 127.0.0.1:19443 -new -time 5 $v 2>&1 | grep "connections in .* real")
 echo "s_server $kind $v: $out"
done
kill $pid
