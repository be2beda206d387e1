-- POST /predict with a 1,000-row batch of the toy features (rows/s = requests/s × 1000)
local rows = {}
for i = 1, 1000 do
  rows[i] = string.format('{"f1":%d,"f2":%d}', i % 2, (i + 1) % 2)
end
wrk.method = "POST"
wrk.body = "[" .. table.concat(rows, ",") .. "]"
wrk.headers["Content-Type"] = "application/json"
