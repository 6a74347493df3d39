// A read-then-write increment of counter 1 over JDBC (with "lock": SELECT ... FOR UPDATE).
// Run as a single-file program: java -cp /usr/share/java/postgresql.jar Increment.java [lock]
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;

public class Increment {
    public static void main(String[] args) throws Exception {
        boolean lock = args.length > 0 && args[0].equals("lock");
        // libpq's variables name the gate; JDBC reads none of them, so build its URL from them.
        String url = "jdbc:postgresql://" + System.getenv("PGHOST") + ":" + System.getenv("PGPORT") + "/" + System.getenv("PGDATABASE") + "?sslmode=disable";
        try (Connection conn = DriverManager.getConnection(url, System.getenv("PGUSER"), System.getenv("PGPASSWORD"))) {
            conn.setAutoCommit(false);
            int n;
            try (PreparedStatement read = conn.prepareStatement("SELECT n FROM counter WHERE id = ?" + (lock ? " FOR UPDATE" : ""))) {
                read.setInt(1, 1);
                try (ResultSet rs = read.executeQuery()) {
                    rs.next();
                    n = rs.getInt(1);
                }
            }
            try (PreparedStatement write = conn.prepareStatement("UPDATE counter SET n = ? WHERE id = ?")) {
                write.setInt(1, n + 1);
                write.setInt(2, 1);
                write.executeUpdate();
            }
            conn.commit();
        }
        System.out.println("{\"done\": true}");
    }
}
