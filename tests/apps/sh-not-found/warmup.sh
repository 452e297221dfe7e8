# Mistake: a bash test ([[ ]]) in a script FC runs with /bin/sh (dash). dash prints
# "warmup.sh: N: [[: not found", the test counts as false, and the script still exits 0.
if [[ -n "$FC_SERVER_PORT" ]]; then
  echo "warming up on port $FC_SERVER_PORT"
fi
echo "warm-up done"
