package io.djinn.structured;

/**
 * A schema, regex or grammar that cannot be compiled into a constraint: an unsupported keyword or construct, a
 * malformed value, or a grammar with no finite document. The API layer turns it into a 400 naming {@link #path()}.
 */
public final class SchemaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String path;

    /**
     * @param path where the problem is: dotted JSON path of the schema keyword (e.g. {@code properties.age.minimum},
     *             {@code ""} for the root), or {@code regex[i]} with the pattern's char offset
     */
    public SchemaException(String path, String message) {
        super(path.isEmpty() ? message : path + ": " + message);
        this.path = path;
    }

    public String path() {
        return path;
    }
}
