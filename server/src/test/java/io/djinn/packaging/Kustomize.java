package io.djinn.packaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A renderer for the subset of kustomize that {@code k8s/} uses (there is no kustomize binary here): resources
 * (files and directories), strategic-merge patches (lists of named items merged by name, {@code $patch: delete} of
 * an object or of a named list item),
 * images and labels. Any other kustomization field fails the render, so the manifests cannot drift beyond what this
 * renderer understands.
 */
final class Kustomize {

    static final YAMLMapper YAML = new YAMLMapper();
    private static final Set<String> SUPPORTED = Set.of("apiVersion", "kind", "resources", "patches", "images",
            "labels", "configMapGenerator");
    /** Lists that strategic merge combines item by item, keyed by name. */
    private static final Set<String> MERGE_BY_NAME = Set.of("containers", "initContainers", "env", "volumes",
            "volumeMounts", "ports");

    private Kustomize() {}

    static List<ObjectNode> build(Path dir) throws IOException {
        ObjectNode k = (ObjectNode) YAML.readTree(dir.resolve("kustomization.yaml").toFile());
        for (Iterator<String> it = k.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!SUPPORTED.contains(field)) {
                throw new IllegalArgumentException(dir + ": kustomization field '" + field + "' not supported");
            }
        }
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode r : k.path("resources")) {
            Path p = dir.resolve(r.asText()).normalize();
            out.addAll(Files.isDirectory(p) ? build(p) : read(p));
        }
        for (JsonNode generator : k.path("configMapGenerator")) {
            out.add(configMap(dir, generator));
        }
        for (JsonNode patch : k.path("patches")) {
            for (ObjectNode doc : read(dir.resolve(patch.get("path").asText()))) {
                ObjectNode target = out.stream().filter(o -> sameObject(o, doc)).findFirst()
                        .orElseThrow(() -> new IllegalArgumentException(dir + ": patch target not found: "
                                + doc.path("kind").asText() + "/" + doc.path("metadata").path("name").asText()));
                if ("delete".equals(doc.path("$patch").asText())) {
                    out.remove(target);
                } else {
                    merge(target, doc);
                }
            }
        }
        for (JsonNode image : k.path("images")) {
            out.forEach(o -> retag(o, image));
        }
        for (JsonNode label : k.path("labels")) {
            if (label.path("includeSelectors").asBoolean(false)) {
                throw new IllegalArgumentException(dir + ": labels with includeSelectors not supported");
            }
            for (ObjectNode o : out) {
                ObjectNode labels = ((ObjectNode) o.with("metadata")).with("labels");
                label.get("pairs").fields().forEachRemaining(e -> labels.set(e.getKey(), e.getValue()));
            }
        }
        return out;
    }

    /** A configMapGenerator entry: files as {@code key=path} or {@code path}, options.labels, no name hash. */
    private static ObjectNode configMap(Path dir, JsonNode generator) throws IOException {
        if (!generator.path("options").path("disableNameSuffixHash").asBoolean(false)) {
            throw new IllegalArgumentException(dir + ": configMapGenerator without disableNameSuffixHash not supported");
        }
        ObjectNode cm = YAML.createObjectNode();
        cm.put("apiVersion", "v1");
        cm.put("kind", "ConfigMap");
        ObjectNode metadata = cm.putObject("metadata");
        metadata.put("name", generator.get("name").asText());
        if (generator.path("options").has("labels")) {
            metadata.set("labels", generator.path("options").path("labels").deepCopy());
        }
        ObjectNode data = cm.putObject("data");
        for (JsonNode f : generator.path("files")) {
            String spec = f.asText();
            int eq = spec.indexOf('=');
            Path file = dir.resolve(eq < 0 ? spec : spec.substring(eq + 1));
            data.put(eq < 0 ? file.getFileName().toString() : spec.substring(0, eq), Files.readString(file));
        }
        return cm;
    }

    static List<ObjectNode> read(Path file) throws IOException {
        List<ObjectNode> docs = new ArrayList<>();
        try (var it = YAML.readerFor(JsonNode.class).<JsonNode>readValues(file.toFile())) {
            while (it.hasNext()) {
                JsonNode n = it.next();
                if (n != null && !n.isEmpty()) {
                    docs.add((ObjectNode) n);
                }
            }
        }
        return docs;
    }

    private static boolean sameObject(ObjectNode a, ObjectNode b) {
        return a.path("kind").equals(b.path("kind")) && a.path("apiVersion").equals(b.path("apiVersion"))
                && a.path("metadata").path("name").equals(b.path("metadata").path("name"));
    }

    static void merge(ObjectNode target, ObjectNode patch) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode have = target.get(e.getKey());
            JsonNode want = e.getValue();
            if (have instanceof ObjectNode ho && want instanceof ObjectNode wo) {
                merge(ho, wo);
            } else if (have instanceof ArrayNode ha && want instanceof ArrayNode wa
                    && MERGE_BY_NAME.contains(e.getKey())) {
                for (JsonNode item : wa) {
                    ObjectNode match = null;
                    int at = -1;
                    for (int i = 0; i < ha.size(); i++) {
                        if (ha.get(i).path("name").equals(item.path("name"))) {
                            match = (ObjectNode) ha.get(i);
                            at = i;
                        }
                    }
                    if ("delete".equals(item.path("$patch").asText())) {
                        if (match == null) {
                            throw new IllegalArgumentException("$patch: delete of a missing " + e.getKey() + " item "
                                    + item.path("name").asText());
                        }
                        ha.remove(at);
                    } else if (match != null) {
                        merge(match, (ObjectNode) item);
                    } else {
                        ha.add(item.deepCopy());
                    }
                }
            } else {
                target.set(e.getKey(), want.deepCopy());
            }
        }
    }

    private static void retag(JsonNode node, JsonNode image) {
        if (node instanceof ObjectNode o && o.has("image") && o.get("image").isTextual()) {
            String ref = o.get("image").asText();
            int colon = ref.lastIndexOf(':');
            String name = colon > ref.lastIndexOf('/') ? ref.substring(0, colon) : ref;
            if (name.equals(image.get("name").asText())) {
                String newName = image.path("newName").asText(name);
                String tag = image.has("newTag") ? image.get("newTag").asText()
                        : colon > ref.lastIndexOf('/') ? ref.substring(colon + 1) : "latest";
                o.put("image", newName + ":" + tag);
            }
        }
        node.forEach(child -> retag(child, image));
    }
}
