package io.djinn.packaging;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Gateway API Inference Extension's {@code InferencePool} ({@code inference.networking.k8s.io/v1}) as its
 * published CRD schema defines it (config/crd/bases/inference.networking.k8s.io_inferencepools.yaml of
 * kubernetes-sigs/gateway-api-inference-extension, v1): there is no fabric8 model for it, so this is one, strict in
 * the same way: an unknown field fails binding, required fields and the schema's enums and bounds are checked.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY, getterVisibility = JsonAutoDetect.Visibility.NONE,
        isGetterVisibility = JsonAutoDetect.Visibility.NONE, setterVisibility = JsonAutoDetect.Visibility.NONE)
@JsonInclude(JsonInclude.Include.NON_NULL)
// HasMetadata's own deserializer looks the kind up in fabric8's registry (a generic resource for an unknown kind).
@com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = com.fasterxml.jackson.databind.JsonDeserializer.None.class)
public final class InferencePool implements HasMetadata {

    @JsonProperty
    private String apiVersion;
    @JsonProperty
    private String kind;
    @JsonProperty
    private ObjectMeta metadata;
    @JsonProperty(required = true)
    private Spec spec;

    /** spec: selector, targetPorts and endpointPickerRef are required. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Spec(@JsonProperty(required = true) Selector selector,
            @JsonProperty(required = true) List<Port> targetPorts,
            @JsonProperty(required = true) EndpointPickerRef endpointPickerRef) {}

    /** Only matchLabels (the schema keeps it Service-selector simple). */
    public record Selector(@JsonProperty(required = true) Map<String, String> matchLabels) {}

    public record Port(@JsonProperty(required = true) int number) {}

    /** group default "", kind default Service, port required for a Service, failureMode FailOpen or FailClose. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EndpointPickerRef(String group, String kind, @JsonProperty(required = true) String name, Port port,
            String failureMode) {}

    /** The schema's constraints beyond shape (its enums, bounds, list sizes and patterns). */
    void checkSchema() {
        if (spec.targetPorts().size() != 1) {
            throw new AssertionError("targetPorts must hold exactly one port (minItems 1, maxItems 1)");
        }
        for (Port p : spec.targetPorts()) {
            checkPort(p.number());
        }
        EndpointPickerRef ref = spec.endpointPickerRef();
        if (ref.name() == null || ref.name().isEmpty() || ref.name().length() > 253) {
            throw new AssertionError("endpointPickerRef.name must have 1 to 253 characters");
        }
        String kind = ref.kind() == null ? "Service" : ref.kind();
        if (kind.equals("Service") && ref.port() == null) {
            throw new AssertionError("endpointPickerRef.port is required when kind is Service");
        }
        if (ref.port() != null) {
            checkPort(ref.port().number());
        }
        if (ref.failureMode() != null && !Set.of("FailOpen", "FailClose").contains(ref.failureMode())) {
            throw new AssertionError("endpointPickerRef.failureMode must be FailOpen or FailClose");
        }
        for (var e : spec.selector().matchLabels().entrySet()) {
            if (!e.getValue().matches("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$") || e.getValue().length() > 63) {
                throw new AssertionError("selector label value " + e.getValue() + " is not a label value");
            }
        }
    }

    private static void checkPort(int number) {
        if (number < 1 || number > 65535) {
            throw new AssertionError("port " + number + " outside [1, 65535]");
        }
    }

    public Spec getSpec() {
        return spec;
    }

    @Override
    public ObjectMeta getMetadata() {
        return metadata;
    }

    @Override
    public void setMetadata(ObjectMeta metadata) {
        this.metadata = metadata;
    }

    @Override
    public String getApiVersion() {
        return apiVersion;
    }

    @Override
    public void setApiVersion(String version) {
        this.apiVersion = version;
    }

    @Override
    public String getKind() {
        return kind;
    }
}
