# SPDX-License-Identifier: MIT
# Man pages: man/NAME.SECTION.scd (scdoc(5) source) -> build/man/NAME.SECTION.gz, installed under
# share/man/manSECTION (component dev). Every other function named in a page's NAME section
# gets a symbolic link to the page, so `man ringq_queue_put_timeout` finds ringq_queue_put(3).
function(ringq_man_pages)
  find_program(RINGQ_SCDOC scdoc)
  if(NOT RINGQ_SCDOC)
    message(FATAL_ERROR "RINGQ_BUILD_MAN needs scdoc (Debian package scdoc); "
                        "or configure with -DRINGQ_BUILD_MAN=OFF")
  endif()
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/man/*.scd)
  set(outputs "")
  file(MAKE_DIRECTORY ${PROJECT_BINARY_DIR}/man)
  foreach(src IN LISTS sources)
    get_filename_component(file ${src} NAME)
    string(REGEX REPLACE "\\.scd$" "" page ${file})              # ringq_queue_put.3
    string(REGEX REPLACE "^(.*)\\.([0-9])$" "\\1" title ${page})  # ringq_queue_put
    string(REGEX REPLACE "^(.*)\\.([0-9])$" "\\2" section ${page})
    set(out ${PROJECT_BINARY_DIR}/man/${page}.gz)
    add_custom_command(OUTPUT ${out}
      COMMAND sh -c "'${RINGQ_SCDOC}' < '${src}' | gzip -9n > '${out}'"
      DEPENDS ${src} COMMENT "Man page ${page}" VERBATIM)
    list(APPEND outputs ${out})
    install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section}
            COMPONENT ringq_dev)
    # The NAME line is read here, at configure time: editing it must re-run the configure step.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${src})
    file(READ ${src} text)
    if(NOT text MATCHES "\n# NAME\n\n([^\n]*) - ")
      message(FATAL_ERROR "${src}: no '# NAME' section of the form 'name, name - what'")
    endif()
    string(REPLACE ", " ";" names "${CMAKE_MATCH_1}")
    foreach(alias IN LISTS names)
      if(NOT alias STREQUAL title)
        set(link ${PROJECT_BINARY_DIR}/man/${alias}.${section}.gz)
        file(CREATE_LINK ${page}.gz ${link} SYMBOLIC)
        install(FILES ${link} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section}
                COMPONENT ringq_dev)
      endif()
    endforeach()
  endforeach()
  add_custom_target(ringq_man ALL DEPENDS ${outputs})
endfunction()
