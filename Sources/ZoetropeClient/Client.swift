/// The Zoetrope client SDK (being written).
public enum ZoetropeClientVersion {
    public static let current = "0.1.0"
}
