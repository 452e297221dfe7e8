# Mistake: bash syntax (an array, [[ ]]) in a script FC runs with /bin/sh (dash).
urls=("http://127.0.0.1:${FC_SERVER_PORT}/invoke")
for u in "${urls[@]}"; do
  if [[ -n "$u" ]]; then echo "warming $u"; fi
done
