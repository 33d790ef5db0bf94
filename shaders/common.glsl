// Shared by every Nodus compute shader.
//
// Binding 0 is the kernel's parameter block: uint words written by the
// kernel (shapes, strides, attributes; floats as their bits), at most
// 1024. It is a uniform buffer (std140: one word per 16 bytes, the recorder
// spaces them so), because a CPU device (lavapipe) reads uniforms once per
// workgroup but storage buffers once per invocation. Tensors are bindings
// 1.. in the order the kernel passes them.
//
// Variant macros (see shaders/CMakeLists.txt): DT_F32, DT_I32, DT_I64 define
// T (the element type of the variant) and the helpers below.
#extension GL_EXT_shader_explicit_arithmetic_types_int64 : enable

layout(std140, set = 0, binding = 0) uniform Params { uint p[1024]; };

#if defined(DT_F32)
#define T float
#define T_ZERO 0.0
#elif defined(DT_I32)
#define T int
#define T_ZERO 0
#elif defined(DT_I64)
#define T int64_t
#define T_ZERO 0l
#endif

float pf(uint i) { return uintBitsToFloat(p[i]); }
int pi(uint i) { return int(p[i]); }

// The flat invocation index of a 1-D dispatch (Recorder::dispatch1D spreads
// large dispatches over X and Y). A macro, so gl_WorkGroupSize is read where
// it is used, after the shader has declared its local size.
#define nodus_index() (gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x + gl_GlobalInvocationID.x)
