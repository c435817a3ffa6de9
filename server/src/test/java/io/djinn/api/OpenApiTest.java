package io.djinn.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.djinn.common.Json;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/** /q/openapi types every JSON request body as application/json and declares the Bearer schemes it uses. */
@QuarkusTest
class OpenApiTest {

    @Test
    void jsonBodiesAreTypedAndSecuritySchemesDeclared() throws Exception {
        JsonNode doc = Json.MAPPER.readTree(given().accept("application/json").get("/q/openapi?format=json")
                .then().statusCode(200).extract().asString());
        for (String[] op : List.of(new String[] {"/tokenize", "post"}, new String[] {"/detokenize", "post"},
                new String[] {"/v1/chat/completions", "post"}, new String[] {"/v1/responses", "post"},
                new String[] {"/v1/completions", "post"}, new String[] {"/admin/v1/keys", "post"},
                new String[] {"/admin/v1/keys/{id}", "patch"}, new String[] {"/admin/v1/keys/{id}", "post"})) {
            JsonNode content = doc.path("paths").path(op[0]).path(op[1]).path("requestBody").path("content");
            List<String> types = new java.util.ArrayList<>();
            content.fieldNames().forEachRemaining(types::add);
            assertEquals(List.of("application/json"), types, op[1] + " " + op[0]);
            assertTrue(content.path("application/json").path("schema").has("$ref"), op[1] + " " + op[0]);
        }
        JsonNode schemes = doc.path("components").path("securitySchemes");
        for (String name : List.of("client_key", "admin_token")) {
            assertEquals("http", schemes.path(name).path("type").asText(), name);
            assertEquals("bearer", schemes.path(name).path("scheme").asText(), name);
        }
        assertEquals("client_key", doc.at("/paths/~1v1~1chat~1completions/post/security/0").fieldNames().next());
        assertEquals("client_key", doc.at("/paths/~1tokenize/post/security/0").fieldNames().next());
        for (String path : List.of("/v1/responses", "/v1/completions")) {
            String at = "/paths/" + path.replace("/", "~1") + "/post";
            assertEquals("client_key", doc.at(at + "/security/0").fieldNames().next(), path);
            assertTrue(doc.at(at + "/responses/200/content/application~1json/schema").has("$ref"), path);
        }
        for (String op : List.of("get", "delete")) {
            assertEquals("client_key", doc.at("/paths/~1v1~1responses~1{id}/" + op + "/security/0").fieldNames()
                    .next(), op);
        }
        assertTrue(doc.at("/paths/~1v1~1responses~1{id}~1input_items/get").isObject());
        assertEquals("admin_token", doc.at("/paths/~1admin~1v1~1keys/post/security/0").fieldNames().next());
        // Swagger UI is served (README says where).
        given().get("/q/swagger-ui/").then().statusCode(200);
    }
}
