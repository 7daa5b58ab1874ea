/* Linked with one whole meshcall library and only the libraries it declares
 * (cmake/MeshcallLibrary.cmake): a symbol it uses from an undeclared layer is
 * an undefined reference, and the build fails. */
int mc_layer_check_anchor;
