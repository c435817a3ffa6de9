package io.djinn.api;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document Djinn serves ({@link ApiDocumentRoutes}, files made at build time) is byte for byte the one
 * SmallRye OpenAPI's extension makes from the resources' annotations (served in the tests only, at
 * {@code /q/openapi-generated}). When they differ, the files in {@code src/main/resources} are rewritten from the
 * extension's and the test fails: rebuild and commit them.
 */
@QuarkusTest
class OpenApiDocumentTest {

    private static final Path SOURCES = Path.of("src/main/resources/io/djinn/api");

    @Test
    void servedDocumentIsTheOneTheExtensionMakes() throws Exception {
        StringBuilder stale = new StringBuilder();
        for (String format : new String[] {"json", "yaml"}) {
            byte[] made = given().get("/q/openapi-generated?format=" + format).then().statusCode(200).extract()
                    .asByteArray();
            var response = given().get("/q/openapi?format=" + format);
            byte[] served = response.statusCode() == 200 ? response.asByteArray() : new byte[0];
            assertTrue(made.length > 10_000, format + " document made by the extension");
            if (Arrays.equals(made, served)) {
                assertTrue(response.contentType().startsWith(format.equals("json") ? "application/json"
                        : "application/yaml"), response.contentType());
            } else {
                Path file = SOURCES.resolve("openapi." + format);
                if (Files.isDirectory(SOURCES)) {
                    Files.write(file, made);
                }
                stale.append(file).append(' ');
            }
        }
        if (!stale.isEmpty()) {
            fail("The OpenAPI document changed; rewritten from the extension's: " + stale
                    + "(rebuild, rerun and commit them)");
        }
    }

    @Test
    void formatFollowsQueryAcceptAndSuffixAsTheExtensionDoes() {
        byte[] json = given().get("/q/openapi?format=json").then().statusCode(200).extract().asByteArray();
        byte[] yaml = given().get("/q/openapi").then().statusCode(200).contentType("application/yaml").extract()
                .asByteArray();
        assertTrue(new String(json, StandardCharsets.UTF_8).startsWith("{"));
        assertTrue(new String(yaml, StandardCharsets.UTF_8).startsWith("---") || new String(yaml,
                StandardCharsets.UTF_8).startsWith("openapi:"));
        assertArrayEquals(json, given().accept("application/json").get("/q/openapi").then().statusCode(200)
                .extract().asByteArray());
        assertArrayEquals(json, given().get("/q/openapi.json").then().statusCode(200).extract().asByteArray());
        assertArrayEquals(yaml, given().get("/q/openapi.yaml").then().statusCode(200).extract().asByteArray());
        assertArrayEquals(yaml, given().get("/q/openapi?format=yaml").then().statusCode(200).extract()
                .asByteArray());
    }

    @Test
    void swaggerUiServesItsPageAndAssetsOverTheDocument() {
        String page = given().redirects().follow(true).get("/q/swagger-ui").then().statusCode(200)
                .contentType("text/html").extract().asString();
        assertTrue(page.contains("'/q/openapi'") || page.contains("\"/q/openapi\""), page);
        assertTrue(page.contains("swagger-ui-bundle.js"), page);
        byte[] bundle = given().get("/q/swagger-ui/swagger-ui-bundle.js").then().statusCode(200)
                .contentType("text/javascript").extract().asByteArray();
        assertTrue(bundle.length > 100_000);
        given().get("/q/swagger-ui/swagger-ui.css").then().statusCode(200).contentType("text/css");
        // unknown assets and names that could climb out of the assets' folder get the API's OpenAI-shaped 404
        given().get("/q/swagger-ui/no-such-asset.js").then().statusCode(404).body("error.code",
                org.hamcrest.Matchers.equalTo("not_found"));
        given().urlEncodingEnabled(false).get("/q/swagger-ui/..%2F..%2Fio%2Fdjinn%2Fapi%2Fopenapi.json").then()
                .statusCode(404).body("error.code", org.hamcrest.Matchers.equalTo("not_found"));
        assertEquals(404, given().get("/q/swagger-ui/.hidden").then().extract().statusCode());
    }
}
