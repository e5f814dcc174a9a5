// Three nested folds over 100 000 numbers: 10^15 steps in constant memory
// and stack; only a time limit stops it.
local count(n) = std.foldl(function(acc, i) acc + 1, std.range(1, n), 0);
local twice(n) = std.foldl(function(acc, i) acc + count(n), std.range(1, n), 0);
local thrice(n) = std.foldl(function(acc, i) acc + twice(n), std.range(1, n), 0);
{
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings' },
  data: { value: std.toString(thrice(100000)) },
}
