package io.djinn.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * An independent, deliberately plain float implementation of the Llama family (Llama, Mistral, Qwen2, Qwen3) used as
 * the oracle for {@link LlamaModel}. It reads config.json and safetensors itself (no Djinn model classes, no DJL)
 * and runs one token at a time with its own per-sequence KV cache, in double-accumulated loops.
 */
final class ReferenceLlama {
    final String arch;
    final int vocab, hidden, inter, layers, heads, kvHeads, headDim, window;
    final double eps, theta;
    final boolean tied;
    final double[] invFreq;
    private final Map<String, float[]> w = new HashMap<>();

    ReferenceLlama(Path dir) throws IOException {
        JsonNode c = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        arch = c.get("architectures").get(0).asText();
        vocab = c.get("vocab_size").asInt();
        hidden = c.get("hidden_size").asInt();
        inter = c.get("intermediate_size").asInt();
        layers = c.get("num_hidden_layers").asInt();
        heads = c.get("num_attention_heads").asInt();
        kvHeads = c.get("num_key_value_heads").asInt();
        headDim = c.hasNonNull("head_dim") ? c.get("head_dim").asInt() : hidden / heads;
        window = c.hasNonNull("sliding_window") ? c.get("sliding_window").asInt() : 0;
        eps = c.get("rms_norm_eps").asDouble();
        theta = c.get("rope_theta").asDouble();
        tied = c.get("tie_word_embeddings").asBoolean();
        invFreq = new double[headDim / 2];
        for (int i = 0; i < invFreq.length; i++) {
            double f = Math.pow(theta, -2.0 * i / headDim);
            JsonNode rs = c.get("rope_scaling");
            if (rs != null && rs.isObject()) {
                double factor = rs.get("factor").asDouble();
                double lo = rs.get("low_freq_factor").asDouble();
                double hi = rs.get("high_freq_factor").asDouble();
                double old = rs.get("original_max_position_embeddings").asDouble();
                double wavelen = 2 * Math.PI / f;
                if (wavelen < old / hi) {
                    // high frequency: unchanged
                } else if (wavelen > old / lo) {
                    f = f / factor;
                } else {
                    double smooth = (old / wavelen - lo) / (hi - lo);
                    f = (1 - smooth) * f / factor + smooth * f;
                }
            }
            invFreq[i] = f;
        }
        Path index = dir.resolve("model.safetensors.index.json");
        if (Files.exists(index)) {
            JsonNode map = new ObjectMapper().readTree(index.toFile()).get("weight_map");
            java.util.Set<String> files = new java.util.TreeSet<>();
            map.forEach(n -> files.add(n.asText()));
            for (String f : files) {
                readFile(dir.resolve(f));
            }
        } else {
            readFile(dir.resolve("model.safetensors"));
        }
    }

    private void readFile(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        int n = (int) bb.getLong(0);
        JsonNode header = new ObjectMapper().readTree(new String(all, 8, n, java.nio.charset.StandardCharsets.UTF_8));
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            String dtype = e.getValue().get("dtype").asText();
            int begin = 8 + n + e.getValue().get("data_offsets").get(0).asInt();
            int end = 8 + n + e.getValue().get("data_offsets").get(1).asInt();
            int size = dtype.equals("F32") ? 4 : 2;
            float[] v = new float[(end - begin) / size];
            for (int i = 0; i < v.length; i++) {
                int at = begin + i * size;
                v[i] = switch (dtype) {
                    case "F32" -> bb.getFloat(at);
                    case "F16" -> Float.float16ToFloat(bb.getShort(at));
                    case "BF16" -> Float.intBitsToFloat((bb.getShort(at) & 0xffff) << 16);
                    default -> throw new IllegalStateException(dtype);
                };
            }
            w.put(e.getKey(), v);
        }
    }

    private float[] t(String name) {
        float[] v = w.get(name);
        if (v == null) {
            throw new IllegalStateException("reference: missing " + name);
        }
        return v;
    }

    /** y = W x (+ b), W row-major [out, in]. */
    private static float[] linear(float[] wt, float[] b, float[] x, int out) {
        int in = x.length;
        float[] y = new float[out];
        for (int o = 0; o < out; o++) {
            double s = b == null ? 0 : b[o];
            for (int i = 0; i < in; i++) {
                s += (double) wt[o * in + i] * x[i];
            }
            y[o] = (float) s;
        }
        return y;
    }

    private float[] rms(float[] x, int off, int n, float[] weight) {
        double ss = 0;
        for (int i = 0; i < n; i++) {
            ss += (double) x[off + i] * x[off + i];
        }
        double inv = 1.0 / Math.sqrt(ss / n + eps);
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            y[i] = (float) (x[off + i] * inv * weight[i]);
        }
        return y;
    }

    private void rope(float[] x, int off, int pos) {
        int half = headDim / 2;
        for (int i = 0; i < half; i++) {
            double a = pos * invFreq[i];
            double c = Math.cos(a), s = Math.sin(a);
            double x1 = x[off + i], x2 = x[off + half + i];
            x[off + i] = (float) (x1 * c - x2 * s);
            x[off + half + i] = (float) (x2 * c + x1 * s);
        }
    }

    /** One sequence with its own cache. */
    final class Session {
        private final List<List<float[]>> keys = new ArrayList<>();
        private final List<List<float[]>> values = new ArrayList<>();

        Session() {
            for (int l = 0; l < layers; l++) {
                keys.add(new ArrayList<>());
                values.add(new ArrayList<>());
            }
        }

        int length() {
            return keys.get(0).size();
        }

        /** Feeds one token at the next position; returns its logits. */
        float[] step(int token) {
            int pos = length();
            float[] x = new float[hidden];
            System.arraycopy(t("model.embed_tokens.weight"), token * hidden, x, 0, hidden);
            boolean bias = arch.equals("Qwen2ForCausalLM");
            boolean qkNorm = arch.equals("Qwen3ForCausalLM");
            int group = heads / kvHeads;
            for (int l = 0; l < layers; l++) {
                String p = "model.layers." + l + ".";
                float[] hn = rms(x, 0, hidden, t(p + "input_layernorm.weight"));
                float[] q = linear(t(p + "self_attn.q_proj.weight"), bias ? t(p + "self_attn.q_proj.bias") : null, hn,
                        heads * headDim);
                float[] k = linear(t(p + "self_attn.k_proj.weight"), bias ? t(p + "self_attn.k_proj.bias") : null, hn,
                        kvHeads * headDim);
                float[] v = linear(t(p + "self_attn.v_proj.weight"), bias ? t(p + "self_attn.v_proj.bias") : null, hn,
                        kvHeads * headDim);
                for (int h = 0; h < heads; h++) {
                    if (qkNorm) {
                        System.arraycopy(rms(q, h * headDim, headDim, t(p + "self_attn.q_norm.weight")), 0, q,
                                h * headDim, headDim);
                    }
                    rope(q, h * headDim, pos);
                }
                for (int h = 0; h < kvHeads; h++) {
                    if (qkNorm) {
                        System.arraycopy(rms(k, h * headDim, headDim, t(p + "self_attn.k_norm.weight")), 0, k,
                                h * headDim, headDim);
                    }
                    rope(k, h * headDim, pos);
                }
                keys.get(l).add(k);
                values.get(l).add(v);
                float[] att = new float[heads * headDim];
                int first = window > 0 ? Math.max(0, pos - window + 1) : 0;
                for (int h = 0; h < heads; h++) {
                    int kh = h / group;
                    double[] sc = new double[pos + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = first; j <= pos; j++) {
                        float[] kj = keys.get(l).get(j);
                        double s = 0;
                        for (int d = 0; d < headDim; d++) {
                            s += (double) q[h * headDim + d] * kj[kh * headDim + d];
                        }
                        sc[j] = s / Math.sqrt(headDim);
                        max = Math.max(max, sc[j]);
                    }
                    double sum = 0;
                    for (int j = first; j <= pos; j++) {
                        sc[j] = Math.exp(sc[j] - max);
                        sum += sc[j];
                    }
                    for (int d = 0; d < headDim; d++) {
                        double o = 0;
                        for (int j = first; j <= pos; j++) {
                            o += sc[j] / sum * values.get(l).get(j)[kh * headDim + d];
                        }
                        att[h * headDim + d] = (float) o;
                    }
                }
                float[] o = linear(t(p + "self_attn.o_proj.weight"), null, att, hidden);
                for (int i = 0; i < hidden; i++) {
                    x[i] += o[i];
                }
                hn = rms(x, 0, hidden, t(p + "post_attention_layernorm.weight"));
                float[] g = linear(t(p + "mlp.gate_proj.weight"), null, hn, inter);
                float[] u = linear(t(p + "mlp.up_proj.weight"), null, hn, inter);
                for (int i = 0; i < inter; i++) {
                    g[i] = (float) (g[i] / (1 + Math.exp(-g[i])) * u[i]);
                }
                float[] d = linear(t(p + "mlp.down_proj.weight"), null, g, hidden);
                for (int i = 0; i < hidden; i++) {
                    x[i] += d[i];
                }
            }
            float[] hn = rms(x, 0, hidden, t("model.norm.weight"));
            return linear(t(tied ? "model.embed_tokens.weight" : "lm_head.weight"), null, hn, vocab);
        }
    }
}
