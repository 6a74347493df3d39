# Pays AMOUNT from wallet 1 if its balance covers it: an ordinary Ruby program on the pg gem,
# unchanged for the race. It connects wherever DATABASE_URL points (the harness's gate).
#   ruby pay.rb AMOUNT          read the balance, check it, write it back (the bug)
#   ruby pay.rb AMOUNT --lock   the same with SELECT ... FOR UPDATE (the fix)
require 'json'
require 'pg'

amount = Integer(ARGV.fetch(0))
lock = ARGV.include?('--lock') ? ' FOR UPDATE' : ''
conn = PG.connect(ENV.fetch('DATABASE_URL'))
paid = conn.transaction do |tx|
  balance = tx.exec_params("SELECT balance FROM wallet WHERE id = $1#{lock}", [1]).getvalue(0, 0).to_i
  if balance >= amount
    tx.exec_params('UPDATE wallet SET balance = $1 WHERE id = $2', [balance - amount, 1])
    tx.exec_params('INSERT INTO payment (wallet_id, amount) VALUES ($1, $2)', [1, amount])
    amount
  else
    0
  end
end
conn.close
# The last line printed is the actor's result in traces and checks.
puts JSON.generate({ paid: paid })
