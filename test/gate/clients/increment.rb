# A read-then-write increment of counter 1 over Ruby's pg (with "lock": SELECT ... FOR UPDATE).
require 'pg'

lock = ARGV[0] == 'lock' ? ' FOR UPDATE' : ''
conn = PG.connect(ENV.fetch('DATABASE_URL'))
conn.transaction do |tx|
  n = tx.exec_params("SELECT n FROM counter WHERE id = $1#{lock}", [1]).getvalue(0, 0).to_i
  tx.exec_params('UPDATE counter SET n = $1 WHERE id = $2', [n + 1, 1])
end
conn.close
puts '{"done": true}'
