// An array of 100 million objects: gigabytes, quickly.
{
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'settings' },
  data: { value: std.toString(std.length(std.makeArray(100000000, function(i) { i: i }))) },
}
