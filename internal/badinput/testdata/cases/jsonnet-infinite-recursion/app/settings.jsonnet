// A function that calls itself for ever: the stack runs out.
local grow(n) = grow(n + 1) + 1;
{
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings' },
  data: { value: std.toString(grow(0)) },
}
