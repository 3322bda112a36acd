# What the bench scripts share; each sources it.

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# Waits until URL/health answers, at most TRIES × 50 ms (default 600);
# fails when it never did.
wait_healthy() {
  for _ in $(seq 1 "${2:-600}"); do curl -sf -o /dev/null "$1/health" && return 0; sleep 0.05; done
  return 1
}
