# A read-then-write increment of counter 1 over Perl DBI with DBD::Pg (with "lock": SELECT ... FOR UPDATE).
# DBD::Pg is libpq underneath: "dbi:Pg:" with no attributes connects where PGHOST, PGPORT, ... say.
use strict;
use warnings;
use DBI;

my $lock = (@ARGV && $ARGV[0] eq 'lock') ? ' FOR UPDATE' : '';
my $dbh = DBI->connect('dbi:Pg:', undef, undef, { AutoCommit => 0, RaiseError => 1, PrintError => 0 });
my ($n) = $dbh->selectrow_array("SELECT n FROM counter WHERE id = ?$lock", undef, 1);
$dbh->do('UPDATE counter SET n = ? WHERE id = ?', undef, $n + 1, 1);
$dbh->commit;
$dbh->disconnect;
print qq({"done": true}\n);
