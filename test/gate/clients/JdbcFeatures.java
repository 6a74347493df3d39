// pgjdbc's protocol features through the gate: a cursor (a named portal fetched in pieces), a
// statement run often enough to become a named server-side statement, and a batch of inserts.
// Prints what it read as JSON on its last line.
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

public class JdbcFeatures {
    public static void main(String[] args) throws Exception {
        String url = "jdbc:postgresql://" + System.getenv("PGHOST") + ":" + System.getenv("PGPORT") + "/" + System.getenv("PGDATABASE") + "?sslmode=disable&prepareThreshold=3";
        try (Connection conn = DriverManager.getConnection(url, System.getenv("PGUSER"), System.getenv("PGPASSWORD"))) {
            conn.setAutoCommit(false);
            // A fetch size inside a transaction: pgjdbc binds a named portal and fetches 2 rows at a time.
            int sum = 0;
            try (PreparedStatement cursor = conn.prepareStatement("SELECT g FROM generate_series(1, 5) AS g")) {
                cursor.setFetchSize(2);
                try (ResultSet rs = cursor.executeQuery()) {
                    while (rs.next()) sum += rs.getInt(1);
                }
            }
            // Past prepareThreshold the statement is a named server-side statement (S_1, ...).
            long key = 0;
            try (PreparedStatement lock = conn.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                for (int i = 0; i < 4; i++) {
                    lock.setLong(1, 4242424242424L + i);
                    lock.executeQuery().close();
                    key = 4242424242424L + i;
                }
            }
            // A batch: several Bind/Execute before one Sync.
            try (PreparedStatement insert = conn.prepareStatement("INSERT INTO gate_accounts (id, balance) VALUES (?, ?)")) {
                for (int id = 10; id < 13; id++) {
                    insert.setInt(1, id);
                    insert.setInt(2, id * 10);
                    insert.addBatch();
                }
                insert.executeBatch();
            }
            conn.commit();
            System.out.println("{\"sum\": " + sum + ", \"key\": " + key + "}");
        }
    }
}
